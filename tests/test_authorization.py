"""Who may see and do what? Every role × every staff endpoint × own / other section."""
from __future__ import annotations

import pytest

from models import db
from tests.section_fixtures import CITIZEN, build_world
from tests.support import csrf_token_from, login

# role login → can they open the voice assigned to 生活環境課?
VOICE_PAGE = {
    "kankyo": 200, "kankyo-head": 200, "kensetsu": 404, "kensetsu-head": 404,
    "hearing": 200, "admin": 200, "counter": 404, "planner": 404,
}
PAGES = {  # path → roles allowed (200); others get 403
    "/staff/queue": {"kankyo", "kankyo-head", "kensetsu", "kensetsu-head", "hearing", "admin"},
    "/staff/triage": {"hearing", "admin"},
    "/staff/tarai": {"hearing", "admin"},
}
# POST action → logins allowed to act on the 生活環境課 voice (others: 403, or 404 when not visible)
ACTIONS = {
    "note": ({"text": "確認中"}, {"kankyo", "kankyo-head", "hearing", "admin"}),
    "accept": ({}, {"kankyo", "kankyo-head", "hearing", "admin"}),
    "assign": ({"section_id": "SECTION"}, {"hearing", "admin"}),
}


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def _client(app, login_id):
    client = app.test_client()
    login(client, login_id)
    return client


@pytest.mark.parametrize("login_id, expected", VOICE_PAGE.items())
def test_who_can_open_a_voice_of_seikatsu_kankyo(app, world, login_id, expected):
    response = _client(app, login_id).get(f"/staff/voices/{world.voice_id}")
    assert response.status_code == expected
    html = response.get_data(as_text=True)
    if expected == 200 and login_id not in ("planner",):
        assert CITIZEN["name"] in html
    if expected != 200:
        assert CITIZEN["name"] not in html and CITIZEN["phone"] not in html


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("login_id", list(VOICE_PAGE))
def test_who_can_open_each_staff_page(app, world, path, login_id):
    response = _client(app, login_id).get(path)
    assert response.status_code == (200 if login_id in PAGES[path] else 403)
    assert CITIZEN["name"] not in response.get_data(as_text=True)  # lists never show personal data


@pytest.mark.parametrize("path", [*PAGES, "/staff/voices/1"])
def test_anonymous_users_are_sent_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("login_id", list(VOICE_PAGE))
def test_who_can_act_on_a_voice_of_seikatsu_kankyo(app, world, action, login_id):
    client = _client(app, login_id)
    token = _token_via_login_page(client)
    fields, allowed = ACTIONS[action]
    data = {k: (str(world.kensetsu_id) if v == "SECTION" else v) for k, v in fields.items()}
    response = client.post(f"/staff/voices/{world.voice_id}/{action}", data={**data, "csrf_token": token})
    if login_id in allowed:
        assert response.status_code == 302
    else:
        assert response.status_code in (403, 404)


def _token_via_login_page(client) -> str:
    """Any page with a form carries the session's CSRF token; the login page is open to everyone."""
    return csrf_token_from(client.get("/staff/login").get_data(as_text=True))


def test_a_planner_never_sees_personal_data_on_staff_pages(app, world):
    client = _client(app, "planner")
    for path in ["/staff/", "/staff/queue", "/staff/triage", f"/staff/voices/{world.voice_id}"]:
        html = client.get(path).get_data(as_text=True)
        for value in CITIZEN.values():
            assert value not in html


def test_related_section_staff_can_read_and_note_but_not_act(app, world):
    head = _client(app, "kankyo-head")
    page = head.get(f"/staff/voices/{world.voice_id}").get_data(as_text=True)
    head.post(f"/staff/voices/{world.voice_id}/related",
              data={"section_id": world.kensetsu_id, "role": "consult", "note": "道路側の確認",
                    "csrf_token": csrf_token_from(page)})
    other = _client(app, "kensetsu")
    assert other.get(f"/staff/voices/{world.voice_id}").status_code == 200
    shared = other.get("/staff/queue?tab=shared").get_data(as_text=True)
    assert world.receipt_no in shared
    token = csrf_token_from(shared)
    assert other.post(f"/staff/voices/{world.voice_id}/note", data={"text": "了解", "csrf_token": token}).status_code == 302
    assert other.post(f"/staff/voices/{world.voice_id}/accept", data={"csrf_token": token}).status_code == 403


def test_viewing_personal_data_is_audited(app, world):
    _client(app, "kankyo").get(f"/staff/voices/{world.voice_id}")
    with app.app_context():
        from models import Voice

        kinds = [e.kind for e in db.session.get(Voice, world.voice_id).events]
        assert "personal_data_viewed" in kinds


# Where each role lands after signing in: the page of its daily work.
HOME = {
    "kankyo": "/staff/queue", "kankyo-head": "/staff/queue", "hearing": "/staff/triage",
    "admin": "/staff/queue", "counter": "/counter", "planner": "/planner/",
}


@pytest.mark.parametrize("login_id, target", HOME.items())
def test_each_role_starts_on_the_page_of_its_daily_work(app, world, login_id, target):
    client = _client(app, login_id)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response.headers["Location"].split("?")[0].endswith(target)
    assert client.get(response.headers["Location"]).status_code == 200
