"""When the session ended while a consultation was being typed at the counter, does saving lead through the
sign-in page back to the filled form, without storing anything on the way and without letting another
site or another role see or plant a consultation?"""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from models import Voice, db
from tests.support import PASSWORD, csrf_token_from, hidden_value, login, make_user

BODY = "国民健康保険の保険証を失くしてしまい、再発行の手続きに何を持っていけばよいか教えてほしいとのこと。"
SAME_ORIGIN = {"Origin": "http://localhost"}
REAL_TIME = time.time


@pytest.fixture
def counter_client(app, client):
    with app.app_context():
        make_user("madoguchi", "counter", "市民窓口課")
        make_user("kikaku", "planner")
    login(client, "madoguchi")
    return client


def _typed(client) -> dict:
    html = client.get("/staff/counter").get_data(as_text=True)
    return {"csrf_token": csrf_token_from(html), "client_token": hidden_value(html, "client_token"),
            "channel": "phone", "voice_type": "問合せ", "name": "窓口 花子", "phone": "0297-00-0000",
            "body": BODY, "action": "save_next"}


def _idle_past_the_limit(app, monkeypatch) -> None:
    seconds = app.config["SESSION_IDLE_MINUTES"] * 60 + 1
    monkeypatch.setattr(time, "time", lambda: REAL_TIME() + seconds)


def _voices(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Voice.id)))


def _sign_in_carrying(client, page: str, login_id: str):
    carried = dict(re.findall(r'name="(carry-[a-z_]+)" value="([^"]*)"', page))
    return client.post("/staff/login", data={**carried, "csrf_token": csrf_token_from(page),
                                              "login_id": login_id, "password": PASSWORD})


def test_saving_after_the_session_ended_signs_in_again_and_returns_to_the_filled_form(app, counter_client,
                                                                                   monkeypatch):
    typed = _typed(counter_client)
    _idle_past_the_limit(app, monkeypatch)

    response = counter_client.post("/staff/counter", data=typed, headers=SAME_ORIGIN)
    page = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "職員ログイン" in page and "まだ登録されていません" in page
    assert f'name="carry-body" value="{BODY}"' in page and 'action="/staff/login"' in page
    assert "counter-form" not in page  # not the form itself: nobody is signed in
    assert _voices(app) == 0

    resumed = _sign_in_carrying(counter_client, page, "madoguchi")
    html = resumed.get_data(as_text=True)
    assert resumed.status_code == 200
    assert "入力内容を確かめてから、もう一度保存してください" in html
    assert BODY in html and 'value="窓口 花子"' in html and 'value="0297-00-0000"' in html
    assert re.search(r'<option value="phone"\s+selected', html)
    assert hidden_value(html, "client_token") == typed["client_token"]
    assert _voices(app) == 0  # shown again, not saved behind the staff member's back

    saved = counter_client.post("/staff/counter", data={
        **{name: value for name, value in typed.items() if name != "csrf_token"},
        "csrf_token": csrf_token_from(html)})
    assert saved.status_code == 303
    with app.app_context():
        voice = db.session.scalar(select(Voice))
        assert voice.body == BODY and voice.channel == "phone"


def test_a_wrong_password_on_the_way_back_keeps_carrying_the_consultation(app, counter_client, monkeypatch):
    typed = _typed(counter_client)
    _idle_past_the_limit(app, monkeypatch)
    page = counter_client.post("/staff/counter", data=typed, headers=SAME_ORIGIN).get_data(as_text=True)
    carried = dict(re.findall(r'name="(carry-[a-z_]+)" value="([^"]*)"', page))

    refused = counter_client.post("/staff/login", data={**carried, "csrf_token": csrf_token_from(page),
                                                         "login_id": "madoguchi", "password": "wrong"})
    again = refused.get_data(as_text=True)
    assert refused.status_code == 401 and "正しくありません" in again
    assert f'name="carry-body" value="{BODY}"' in again
    assert _sign_in_carrying(counter_client, again, "madoguchi").status_code == 200


def test_a_browser_without_a_session_cookie_at_all_is_carried_too(app, counter_client):
    """The cookie may be gone (browser restarted): then the token check fails first, with nobody signed in."""
    typed = _typed(counter_client)
    fresh = app.test_client()
    response = fresh.post("/staff/counter", data=typed, headers={"Sec-Fetch-Site": "same-origin"})
    page = response.get_data(as_text=True)
    assert response.status_code == 401 and f'name="carry-body" value="{BODY}"' in page
    assert _sign_in_carrying(fresh, page, "madoguchi").status_code == 200
    assert _voices(app) == 0


@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {}])
def test_a_post_another_site_made_is_not_carried_into_the_next_sign_in(app, counter_client, monkeypatch,
                                                                     headers):
    typed = _typed(counter_client)
    _idle_past_the_limit(app, monkeypatch)
    response = counter_client.post("/staff/counter", data=typed, headers=headers)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert BODY not in response.get_data(as_text=True)


def test_someone_who_may_not_use_the_counter_signing_in_does_not_see_the_carried_consultation(
        app, counter_client, monkeypatch):
    typed = _typed(counter_client)
    _idle_past_the_limit(app, monkeypatch)
    page = counter_client.post("/staff/counter", data=typed, headers=SAME_ORIGIN).get_data(as_text=True)

    response = _sign_in_carrying(counter_client, page, "kikaku")
    assert response.status_code == 302 and BODY not in response.get_data(as_text=True)
    assert _voices(app) == 0
