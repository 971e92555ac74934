"""An administrator issues an API token on the admin page, an integration uses it, and revoking it
locks the integration out at once."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import ApiToken, AuditLog, Section, db, utcnow
from tests.support import csrf_token_from, login, make_user
from web.api.tokens import TokenIssueError, issue_token


def _issue(client, **fields):
    token = csrf_token_from(client.get("/admin/api-tokens").get_data(as_text=True))
    return client.post("/admin/api-tokens", data={"csrf_token": token, **fields})


def test_a_token_issued_on_the_page_is_shown_once_works_and_stops_working_when_revoked(app):
    with app.app_context():
        make_user("admin1", "admin")
    client = app.test_client()
    login(client, "admin1")

    with app.app_context():
        kankyo = db.session.scalar(select(Section.id).where(Section.name == "生活環境課"))
    response = _issue(client, name="電子申請サービス", scopes=["voices:read"], days="30", read_range="sections",
                      section_ids=[str(kankyo)])
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    secret = re.search(r'id="token-value"[^>]*value="(mv_[^"]+)"', html).group(1)
    assert "この画面を閉じると二度と表示できません" in html

    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "電子申請サービス"))
        assert row.scopes == ["voices:read"]
        assert [section.name for section in row.sections] == ["生活環境課"] and not row.all_sections
        assert timedelta(days=29, hours=23) < row.expires_at - row.created_at <= timedelta(days=30)
        assert secret not in (row.token_hash, row.prefix) and secret.startswith(row.prefix)
        token_id = row.id
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "api_token.issue")) is not None

    # The list shows the token by name and prefix, never the secret again.
    listing = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "電子申請サービス" in listing and secret not in listing

    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/staff/voices?section=生活環境課", headers=headers).status_code == 200
    # A 課 not chosen is refused.
    assert api.get("/api/v1/staff/voices?section=建設課", headers=headers).status_code == 403
    # The scope not granted is refused.
    created = api.post("/api/v1/staff/voices", headers=headers,
                       json={"channel": "mail", "voice_type": "要望", "body": "道路の穴を直してほしい。"})
    assert created.status_code == 403

    revoke = client.post(f"/admin/api-tokens/{token_id}/revoke",
                         data={"csrf_token": csrf_token_from(listing)})
    assert revoke.status_code == 303
    assert api.get("/api/v1/staff/voices?section=生活環境課", headers=headers).status_code == 401
    with app.app_context():
        assert db.session.get(ApiToken, token_id).revoked_at is not None
        assert db.session.scalar(select(AuditLog).where(AuditLog.action == "api_token.revoke")) is not None


def test_a_token_needs_a_name_and_a_scope(app):
    with app.app_context():
        make_user("admin1", "admin")
    client = app.test_client()
    login(client, "admin1")
    response = _issue(client, name="　")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "連携先の名前を入力してください。" in html
    assert "権限を1つ以上選んでください。" in html
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def _row_of(html: str, name: str) -> str:
    """The token list's row for the token called ``name``."""
    return re.search(rf"<tr>\s*<th scope=\"row\">{re.escape(name)}</th>.*?</tr>", html, re.DOTALL).group(0)


def test_the_issue_form_offers_lifetimes_with_90_days_preselected_and_no_unlimited_and_no_read_range(app):
    """Does the form offer 30/90/180/365 days (90 chosen, nothing unlimited) and leave the read range unchosen?"""
    with app.app_context():
        make_user("admin1", "admin")
    client = app.test_client()
    login(client, "admin1")
    html = client.get("/admin/api-tokens").get_data(as_text=True)
    options = re.findall(r'<option([^>]*)value="(\d+)"', html)
    assert [value for _attrs, value in options] == ["30", "90", "180", "365"]
    assert [value for attrs, value in options if "selected" in attrs] == ["90"]
    assert "無期限" not in re.search(r'<select[^>]*id="days".*?</select>', html, re.DOTALL).group(0)
    assert re.search(r'name="read_range"[^>]*checked', html) is None
    assert "生活環境課（市民経済部）" in html


def test_reading_every_section_is_a_choice_the_administrator_makes_on_the_form(app):
    """Can a voices:read token be issued without saying which 課 it reads? No: the form asks, and every 課
    must be chosen as such; a voices:create token needs no such choice."""
    with app.app_context():
        make_user("admin1", "admin")
        kankyo = db.session.scalar(select(Section.id).where(Section.name == "生活環境課"))
    client = app.test_client()
    login(client, "admin1")

    unchosen = _issue(client, name="集計システム", scopes=["voices:read"], days="90")
    assert unchosen.status_code == 400
    assert "声を読める課を選ぶか、「すべての課の声」を選んでください。" in unchosen.get_data(as_text=True)
    none_ticked = _issue(client, name="集計システム", scopes=["voices:read"], days="90", read_range="sections")
    assert "声を読める課を1つ以上選んでください。" in none_ticked.get_data(as_text=True)
    both = _issue(client, name="集計システム", scopes=["voices:read"], days="90", read_range="all",
                  section_ids=[str(kankyo)])
    assert "「すべての課の声」を選んだときは、課を個別に選ばないでください。" in both.get_data(as_text=True)
    unlimited = _issue(client, name="集計システム", scopes=["voices:read"], days="36500", read_range="all")
    assert unlimited.status_code == 400 and "一覧から選んでください。" in unlimited.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None

    assert _issue(client, name="広聴集計", scopes=["voices:read"], days="365", read_range="all").status_code == 201
    assert _issue(client, name="電子申請", scopes=["voices:create"], days="90").status_code == 201
    with app.app_context():
        everything = db.session.scalar(select(ApiToken).where(ApiToken.name == "広聴集計"))
        assert (everything.all_sections, everything.sections) == (True, [])
        assert timedelta(days=364, hours=23) < everything.expires_at - everything.created_at <= timedelta(days=365)
        create_only = db.session.scalar(select(ApiToken).where(ApiToken.name == "電子申請"))
        assert (create_only.all_sections, create_only.sections) == (False, [])
        logged = db.session.scalar(select(AuditLog).where(AuditLog.action == "api_token.issue",
                                                          AuditLog.target_id == str(everything.id)))
        assert logged.actor.login_id == "admin1"
        assert {key: logged.data[key] for key in ("days", "all_sections", "sections", "expires_at")} == {
            "days": 365, "all_sections": True, "sections": [], "expires_at": everything.expires_at.isoformat()}


def test_the_token_service_refuses_an_unclear_choice_of_sections_or_lifetime(app):
    """Do the CLI and any other caller get the same rules as the form (one place decides)?"""
    with app.app_context():
        retired = db.session.scalar(select(Section).where(Section.name == "教育指導課"))
        retired.active = False
        db.session.commit()
        cases = {
            "read_range": {"scopes": ["voices:read"]},
            "section_ids": {"scopes": ["voices:read"], "section_ids": [retired.id]},
            "days": {"scopes": ["voices:create"], "days": 3650},
        }
        for field, kwargs in cases.items():
            with pytest.raises(TokenIssueError) as refused:
                issue_token("連携", **kwargs)
            assert refused.value.field == field
        with pytest.raises(TokenIssueError, match="与えるときだけ"):
            issue_token("連携", ["voices:create"], all_sections=True)
        assert db.session.scalar(select(ApiToken)) is None


def test_the_token_list_shows_each_expiry_and_marks_expired_and_soon_expiring_tokens(app):
    """Can the administrator see which integrations stop working soon, and which already did?"""
    with app.app_context():
        make_user("admin1", "admin")
        kankyo = db.session.scalar(select(Section.id).where(Section.name == "生活環境課"))
        now = utcnow()
        for name, expires_in in (("まだ先", timedelta(days=60)), ("もうすぐ", timedelta(days=5)),
                                 ("切れた", timedelta(days=-1))):
            row, _secret = issue_token(name, ["voices:read"], section_ids=[kankyo])
            row.expires_at = now + expires_in
        db.session.commit()
    client = app.test_client()
    login(client, "admin1")
    html = client.get("/admin/api-tokens").get_data(as_text=True)
    assert "有効期限" in html
    rows = {name: _row_of(html, name) for name in ("まだ先", "もうすぐ", "切れた")}
    assert "期限間近" not in rows["まだ先"] and "期限切れ" not in rows["まだ先"] and "有効" in rows["まだ先"]
    assert "期限間近" in rows["もうすぐ"]
    assert "期限切れ" in rows["切れた"] and "無効にする" not in rows["切れた"]
    assert all("生活環境課" in row for row in rows.values())
    # Working tokens first, the soonest to expire at the top.
    assert html.index("もうすぐ") < html.index("まだ先") < html.index(">切れた<")


def test_the_command_line_asks_for_the_same_choices_as_the_page(app):
    """Does ``flask api-token issue`` refuse a read token without its 課, take 課 by name and a lifetime, and
    list each token's expiry and 課?"""
    runner = app.test_cli_runner()
    unchosen = runner.invoke(args=["api-token", "issue", "集計システム"])
    assert unchosen.exit_code != 0 and "声を読める課を選ぶか" in unchosen.output and "--all-sections" in unchosen.output
    unknown = runner.invoke(args=["api-token", "issue", "集計システム", "--section", "ごみ課"])
    assert unknown.exit_code != 0 and "課「ごみ課」は登録されていません。" in unknown.output
    unlimited = runner.invoke(args=["api-token", "issue", "集計システム", "--all-sections", "--days", "0"])
    assert unlimited.exit_code != 0

    issued = runner.invoke(args=["api-token", "issue", "集計システム", "--scope", "voices:read", "--days", "180",
                                 "--section", "生活環境課", "--section", "建設課"])
    assert issued.exit_code == 0, issued.output
    assert "読める課: 生活環境課・建設課" in issued.output or "読める課: 建設課・生活環境課" in issued.output
    with app.app_context():
        row = db.session.scalar(select(ApiToken))
        assert sorted(section.name for section in row.sections) == ["建設課", "生活環境課"]
        assert timedelta(days=179, hours=23) < row.expires_at - row.created_at <= timedelta(days=180)
    listing = runner.invoke(args=["api-token", "list"]).output
    assert "\t有効\t" in listing and "まで\t集計システム\tvoices:read\t" in listing
