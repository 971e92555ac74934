"""Can the administrator maintain 部・課 and staff accounts, with every change audited?"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from models import AuditLog, Department, Section, User, Voice, db, utcnow
from routing.service import assign_by_hand, route_voice
from tests.support import PASSWORD, csrf_token_from, login, make_user
from voices.intake import submit
from voices.validation import VoiceInput

NEW_PASSWORD = "another-long-pass-42"


def signed_in_admin(app):
    """A test client signed in as the administrator ``boss``."""
    with app.app_context():
        make_user("boss", "admin")
    client = app.test_client()
    login(client, "boss")
    return client


@pytest.fixture
def admin_client(app):
    return signed_in_admin(app)


def post_form(client, url: str, data: dict, page_url: str | None = None):
    """Open the page like a browser (for its CSRF token), then post ``data`` to ``url``."""
    token = csrf_token_from(client.get(page_url or url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **data})


def field_error(html: str, field_id: str) -> str:
    """The error message shown next to a field (empty when there is none)."""
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', html, re.DOTALL)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def audits(action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def section_id(name: str) -> int:
    return db.session.scalar(select(Section.id).where(Section.name == name))


def store_voice(app, body: str = "公園のごみ箱があふれています。回収の回数を増やしてください。") -> int:
    """Store a voice without routing it yet, as if Redis had been down; returns its id."""
    with app.app_context():
        dispatcher = app.extensions.pop("mirai_dispatcher")
        try:
            receipt = submit(VoiceInput(body=body, voice_type="要望", consent_privacy=True))
        finally:
            app.extensions["mirai_dispatcher"] = dispatcher
        return receipt.voice_id


# --- 部・課 ------------------------------------------------------------------------------------------

def test_admin_creates_and_edits_a_section_and_both_are_audited(app, admin_client):
    """Can an admin add a 課 under a 部, rename it, and find before/after in the audit log?"""
    with app.app_context():
        department_id = db.session.scalar(select(Department.id).where(Department.name == "総務部"))
    response = post_form(admin_client, "/admin/sections/new", {
        "name": "公共施設マネジメント課", "department_id": department_id, "description": "公共施設の再編",
        "sort_order": "50", "active": "y"})
    assert response.status_code == 303
    listing = admin_client.get("/admin/sections").get_data(as_text=True)
    somu = listing[listing.index(">総務部"):listing.index(">市民経済部")]
    assert "公共施設マネジメント課" in somu  # listed under its 部
    with app.app_context():
        new_id = section_id("公共施設マネジメント課")
        assert audits("section.create")[0].data["after"]["department"] == "総務部"
    response = post_form(admin_client, f"/admin/sections/{new_id}/edit", {
        "name": "施設マネジメント課", "department_id": department_id, "description": "公共施設の再編",
        "sort_order": "50", "active": "y"})
    assert response.status_code == 303
    with app.app_context():
        change = audits("section.update")[-1]
        assert change.target_id == str(new_id) and change.actor.login_id == "boss"
        assert change.data == {"before": {"name": "公共施設マネジメント課"}, "after": {"name": "施設マネジメント課"}}


def test_a_section_name_must_be_unique_and_present(app, admin_client):
    """Does the form say, next to the field, that a 課 name is missing or already used?"""
    with app.app_context():
        department_id = db.session.scalar(select(Department.id).limit(1))
    html = post_form(admin_client, "/admin/sections/new", {
        "name": "建設課", "department_id": department_id, "sort_order": "1"}).get_data(as_text=True)
    assert field_error(html, "name") == "同じ名称の課が既にあります。"
    html = post_form(admin_client, "/admin/sections/new", {
        "name": "　", "department_id": department_id, "sort_order": "x"}).get_data(as_text=True)
    assert field_error(html, "name") == "課の名称を入力してください。"
    assert field_error(html, "sort_order") == "半角の整数で入力してください。"
    assert 'aria-invalid="true"' in html and 'href="#name"' in html  # marked and linked from the summary
    with app.app_context():
        assert audits("section.create") == []


def test_a_section_with_open_voices_cannot_be_deactivated(app, admin_client):
    """Can an admin retire a 課 that still has voices to answer? No, until they are closed."""
    voice_id = store_voice(app)
    with app.app_context():
        route_voice(voice_id)
        target = section_id("農政課")
        hearing = make_user("hearing", "hearing", "秘書広報課")
        assign_by_hand(voice_id, target, hearing)
        section = db.session.get(Section, target)
        form = {"name": "農政課", "department_id": section.department_id, "description": section.description,
                "sort_order": section.sort_order}
    html = post_form(admin_client, f"/admin/sections/{target}/edit", form).get_data(as_text=True)
    assert "完了していない声が1件あるため、無効にできません" in field_error(html, "active")
    with app.app_context():
        assert db.session.get(Section, target).active is True
        db.session.get(Voice, voice_id).status = "closed"
        db.session.commit()
    assert post_form(admin_client, f"/admin/sections/{target}/edit", form).status_code == 303
    with app.app_context():
        assert db.session.get(Section, target).active is False
        assert audits("section.update")[-1].data == {"before": {"active": True}, "after": {"active": False}}


def test_exactly_one_section_is_the_hearing_desk(app, admin_client):
    """Marking another 課 as 広聴 moves the mark; unmarking the only one is refused."""
    with app.app_context():
        old, new = section_id("秘書広報課"), section_id("企画政策課")
        department_id = db.session.get(Section, new).department_id
    html = post_form(admin_client, f"/admin/sections/{old}/edit", {
        "name": "秘書広報課", "department_id": department_id, "sort_order": "1", "active": "y"}).get_data(as_text=True)
    assert "広聴の課は必ず1つ必要です" in field_error(html, "is_hearing")
    response = post_form(admin_client, f"/admin/sections/{new}/edit", {
        "name": "企画政策課", "department_id": department_id, "sort_order": "2", "active": "y",
        "is_hearing": "y"})
    assert response.status_code == 303
    with app.app_context():
        hearing = db.session.scalars(select(Section).where(Section.is_hearing.is_(True))).all()
        assert [s.name for s in hearing] == ["企画政策課"]
        moved = {a.target_id: a.data for a in audits("section.update")}
        assert moved[str(old)]["after"] == {"is_hearing": False}
        assert moved[str(new)]["after"] == {"is_hearing": True}


def test_admin_creates_and_renames_a_department(app, admin_client):
    """Can an admin add a 部 and rename it, with duplicate names refused?"""
    assert post_form(admin_client, "/admin/departments/new", {"name": "未来創造部", "sort_order": "9"}).status_code == 303
    html = post_form(admin_client, "/admin/departments/new", {"name": "未来創造部", "sort_order": "9"}).get_data(as_text=True)
    assert field_error(html, "name") == "同じ名称の部が既にあります。"
    with app.app_context():
        department_id = db.session.scalar(select(Department.id).where(Department.name == "未来創造部"))
    post_form(admin_client, f"/admin/departments/{department_id}/edit", {"name": "みらい創造部", "sort_order": "9"})
    with app.app_context():
        assert db.session.get(Department, department_id).name == "みらい創造部"
        assert audits("department.update")[0].data["after"] == {"name": "みらい創造部"}
    assert "みらい創造部" in admin_client.get("/admin/sections").get_data(as_text=True)


# --- users -------------------------------------------------------------------------------------------

def _new_user_form(**overrides) -> dict:
    with_section = {"login_id": "kensetsu2", "display_name": "建設 次郎", "email": "k2@example.jp",
                    "role": "section_staff", "section_id": "", "password": NEW_PASSWORD,
                    "password_confirm": NEW_PASSWORD}
    return {**with_section, **overrides}


def test_creating_a_user_validates_role_section_password_and_login_id(app, admin_client):
    """Are a missing 課, a short password, a mismatch and a taken login ID each explained in Japanese?"""
    html = post_form(admin_client, "/admin/users/new", _new_user_form()).get_data(as_text=True)
    assert field_error(html, "section_id") == "役割が「担当課職員」のときは所属課を選んでください。"
    html = post_form(admin_client, "/admin/users/new", _new_user_form(
        password="short", password_confirm="short")).get_data(as_text=True)
    assert field_error(html, "password") == "12文字以上128文字以内で入力してください。"
    html = post_form(admin_client, "/admin/users/new", _new_user_form(
        password_confirm="something-else-1")).get_data(as_text=True)
    assert field_error(html, "password_confirm") == "確認用のパスワードが一致しません。"
    with app.app_context():
        building = section_id("建設課")
    html = post_form(admin_client, "/admin/users/new", _new_user_form(
        login_id="BOSS", section_id=building)).get_data(as_text=True)
    assert field_error(html, "login_id") == "このログインIDは既に使われています。"
    html = post_form(admin_client, "/admin/users/new", _new_user_form(
        login_id="建設課の職員", email="no-at-sign", section_id=building)).get_data(as_text=True)
    assert field_error(html, "login_id") == "半角英数字と . _ - だけが使えます。"
    assert field_error(html, "email") == "メールアドレスの形式が正しくありません。"
    with app.app_context():
        assert db.session.scalar(select(User).where(User.login_id == "kensetsu2")) is None


def test_a_created_user_can_sign_in_and_the_audit_never_holds_the_password(app, admin_client):
    """Does a new account work, and does its audit row avoid the password and its hash?"""
    with app.app_context():
        building = section_id("建設課")
    response = post_form(admin_client, "/admin/users/new", _new_user_form(section_id=building))
    assert response.status_code == 303
    listing = admin_client.get("/admin/users").get_data(as_text=True)
    assert "kensetsu2" in listing and "建設課" in listing
    with app.app_context():
        user = db.session.scalar(select(User).where(User.login_id == "kensetsu2"))
        assert (user.role, user.section.name, user.email) == ("section_staff", "建設課", "k2@example.jp")
        assert user.password_hash not in listing
        row = audits("user.create")[0]
        assert row.data["after"]["section"] == "建設課"
        assert NEW_PASSWORD not in str(row.data) and "password" not in str(row.data)
    staff = app.test_client()
    page = staff.get("/staff/login").get_data(as_text=True)
    signed_in = staff.post("/staff/login", data={"login_id": "kensetsu2", "password": NEW_PASSWORD,
                                                 "csrf_token": csrf_token_from(page)})
    assert signed_in.status_code == 302


def test_editing_a_user_records_before_and_after(app, admin_client):
    """Is a role change of a staff member audited with only the changed values?"""
    with app.app_context():
        user_id = make_user("kankyo", "section_staff", "生活環境課").id
        kankyo = section_id("生活環境課")
    response = post_form(admin_client, f"/admin/users/{user_id}/edit", {
        "display_name": "kankyo", "email": "", "role": "section_head", "section_id": kankyo, "active": "y"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(User, user_id).role == "section_head"
        assert audits("user.update")[0].data == {"before": {"role": "section_staff"},
                                                 "after": {"role": "section_head"}}


def test_a_deactivated_user_can_no_longer_sign_in(app, admin_client):
    """After an admin deactivates an account, does signing in fail (and is it audited)?"""
    with app.app_context():
        user_id = make_user("gakko", "section_staff", "学校総務課").id
    response = post_form(admin_client, f"/admin/users/{user_id}/deactivate", {}, page_url="/admin/users")
    assert response.status_code == 303
    post_form(admin_client, f"/admin/users/{user_id}/deactivate", {}, page_url="/admin/users")  # double click
    with app.app_context():
        assert db.session.get(User, user_id).active is False
        assert len(audits("user.deactivate")) == 1
    staff = app.test_client()
    page = staff.get("/staff/login").get_data(as_text=True)
    refused = staff.post("/staff/login", data={"login_id": "gakko", "password": PASSWORD,
                                               "csrf_token": csrf_token_from(page)})
    assert refused.status_code != 302


def test_an_admin_cannot_lock_themselves_or_the_last_admin_out(app, admin_client):
    """Can the only administrator demote or deactivate their own account? No."""
    with app.app_context():
        boss_id = db.session.scalar(select(User.id).where(User.login_id == "boss"))
    html = post_form(admin_client, f"/admin/users/{boss_id}/edit", {
        "display_name": "boss", "role": "planner", "section_id": "", "active": "y"}).get_data(as_text=True)
    assert field_error(html, "role") == "自分自身の管理者権限を外したり、無効にしたりすることはできません。"
    post_form(admin_client, f"/admin/users/{boss_id}/deactivate", {}, page_url="/admin/users")
    with app.app_context():
        boss = db.session.get(User, boss_id)
        assert (boss.role, boss.active) == ("admin", True)
        assert audits("user.update") == [] and audits("user.deactivate") == []


def test_password_reset_needs_twelve_characters_and_works(app, admin_client):
    """Does a reset refuse a short password, then let the user sign in with the new one?"""
    with app.app_context():
        user_id = make_user("kodomo", "section_staff", "みらいこども課").id
        old_hash = db.session.get(User, user_id).password_hash
    url = f"/admin/users/{user_id}/password"
    html = post_form(admin_client, url, {"password": "elevenchars", "password_confirm": "elevenchars"}).get_data(
        as_text=True)
    assert field_error(html, "password") == "12文字以上128文字以内で入力してください。"
    assert post_form(admin_client, url, {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 303
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.password_hash != old_hash and user.check_password(NEW_PASSWORD)
        row = audits("user.password_reset")[0]
        assert NEW_PASSWORD not in str(row.data) and user.password_hash not in str(row.data)


def test_a_password_reset_ends_the_sessions_signed_in_with_the_old_password(app, admin_client):
    """A reset is usually done because an account was exposed: its open sessions must end with it."""
    with app.app_context():
        user_id = make_user("kodomo", "section_staff", "みらいこども課").id
    staff = app.test_client()
    login(staff, "kodomo")
    assert staff.get("/staff/queue").status_code == 200
    assert post_form(admin_client, f"/admin/users/{user_id}/password",
                     {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 303
    assert staff.get("/staff/queue").status_code == 302  # back to the sign-in page
    assert admin_client.get("/admin/users").status_code == 200  # the admin's own session is untouched
    page = staff.get("/staff/login").get_data(as_text=True)
    assert staff.post("/staff/login", data={"login_id": "kodomo", "password": NEW_PASSWORD,
                                            "csrf_token": csrf_token_from(page)}).status_code == 302
    assert staff.get("/staff/queue").status_code == 200


def test_unlock_clears_failed_sign_ins_and_the_lock(app, admin_client):
    """Does 「ロック解除」 clear the failures and locks from every address, recording what they were?"""
    from models import LoginFailure
    from voices.login import login_key

    with app.app_context():
        user = make_user("counter", "counter", "市民窓口課")
        user_id, key = user.id, login_key("counter")
        db.session.add_all([
            LoginFailure(login_key=key, address="10.0.0.1", failures=0, locked_until=utcnow().replace(year=2099)),
            LoginFailure(login_key=key, address="10.0.0.2", failures=3),
            LoginFailure(login_key=login_key("someone-else"), address="10.0.0.1", failures=2),
        ])
        db.session.commit()
    assert "ロック中" in admin_client.get("/admin/users").get_data(as_text=True)
    assert post_form(admin_client, f"/admin/users/{user_id}/unlock", {}, page_url="/admin/users").status_code == 303
    assert "ロック中" not in admin_client.get("/admin/users").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(LoginFailure.login_key)).all() == [login_key("someone-else")]
        row = audits("user.unlock")[0]
        assert row.data["before"] == {"failed_logins": 3, "locked_addresses": ["10.0.0.1"]}
        assert row.data["after"]["locked_addresses"] == []


def test_the_user_list_shows_failures_not_yet_locking(app, admin_client):
    from models import LoginFailure
    from voices.login import login_key

    with app.app_context():
        make_user("counter", "counter", "市民窓口課")
        db.session.add(LoginFailure(login_key=login_key("counter"), address="10.0.0.2", failures=2))
        db.session.commit()
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert "（失敗 2 回）" in page and "ロック解除（counter）" in page

def _signed_in_staff(app, login_id: str):
    """A client signed in as ``login_id`` (a new section staff member) and its user id."""
    with app.app_context():
        user_id = make_user(login_id, "section_staff", "生活環境課").id
    staff = app.test_client()
    login(staff, login_id)
    assert staff.get("/staff/queue").status_code == 200
    return staff, user_id


def _open_sessions(user_id: int) -> int:
    from models import StaffSession
    return db.session.scalar(select(func.count(StaffSession.id)).where(
        StaffSession.user_id == user_id, StaffSession.ended_at.is_(None)))


def test_deactivating_a_user_ends_their_open_sessions_at_once(app, admin_client):
    """A deactivated account's browser, and any copy of its cookie, are signed out on the next click."""
    staff, user_id = _signed_in_staff(app, "kankyo")
    copy = app.test_client()
    copy.set_cookie("session", staff.get_cookie("session").value)
    post_form(admin_client, f"/admin/users/{user_id}/deactivate", {}, page_url="/admin/users")
    assert staff.get("/staff/queue").status_code == 302
    assert copy.get("/staff/queue").status_code == 302
    with app.app_context():
        assert _open_sessions(user_id) == 0
        assert audits("user.deactivate")[0].data["sessions_ended"] == 1


def test_unticking_active_on_the_edit_page_also_ends_the_sessions(app, admin_client):
    staff, user_id = _signed_in_staff(app, "kankyo")
    post_form(admin_client, f"/admin/users/{user_id}/edit", {
        "display_name": "kankyo", "email": "", "role": "section_staff",
        "section_id": str(_section_of(app, "生活環境課"))})  # "active" left unticked
    with app.app_context():
        assert db.session.get(User, user_id).active is False and _open_sessions(user_id) == 0
    assert staff.get("/staff/queue").status_code == 302


def _section_of(app, name: str) -> int:
    with app.app_context():
        return section_id(name)


def test_a_password_reset_ends_the_sessions_on_the_server_too(app, admin_client):
    _staff, user_id = _signed_in_staff(app, "kankyo")
    post_form(admin_client, f"/admin/users/{user_id}/password",
              {"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    with app.app_context():
        assert _open_sessions(user_id) == 0
        assert audits("user.password_reset")[0].data["sessions_ended"] == 1


def test_an_admin_sees_a_users_sessions_and_can_end_them_all(app, admin_client):
    """Can the administrator see how many sessions an account has open and end them (audited)?"""
    first, user_id = _signed_in_staff(app, "kankyo")
    second = app.test_client()
    login(second, "kankyo")
    page = admin_client.get(f"/admin/users/{user_id}/edit").get_data(as_text=True)
    assert "有効なセッション：2件" in page and "すべてのセッションを終了" in page
    response = post_form(admin_client, f"/admin/users/{user_id}/sessions/end", {},
                         page_url=f"/admin/users/{user_id}/edit")
    assert response.status_code == 303
    assert "セッションを2件終了しました" in admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert first.get("/staff/queue").status_code == 302 and second.get("/staff/queue").status_code == 302
    page = admin_client.get(f"/admin/users/{user_id}/edit").get_data(as_text=True)
    assert "有効なセッション：0件" in page and "すべてのセッションを終了" not in page
    with app.app_context():
        row = audits("user.sessions_end")[0]
        assert (row.target_id, row.data["sessions_ended"]) == (str(user_id), 2)
        assert row.actor.login_id == "boss"
    assert admin_client.get("/admin/users").status_code == 200  # the admin's own session is untouched


def test_ending_sessions_needs_the_forms_token(app, admin_client):
    staff, user_id = _signed_in_staff(app, "kankyo")
    assert admin_client.post(f"/admin/users/{user_id}/sessions/end").status_code == 400
    assert staff.get("/staff/queue").status_code == 200
