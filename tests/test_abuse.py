"""Are the public endpoints protected against bots and floods: honeypot, rate limits (in Redis when
there is one), and a cap on the request size?"""
from __future__ import annotations

import pytest
from redis import Redis
from sqlalchemy import func, select

from models import Voice, db
from tests.support import csrf_token_from, hidden_value, submit_via_form

VOICE = {"voice_type": "要望", "body": "駅前の駐輪場が足りません。増設をお願いします。", "consent_privacy": "y"}


def _form_data(client) -> dict:
    page = client.get("/voice/new").get_data(as_text=True)
    return {"csrf_token": csrf_token_from(page), "client_token": hidden_value(page, "client_token"), **VOICE}


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Voice.id)))


def test_the_form_has_a_honeypot_that_people_do_not_see(client):
    page = client.get("/voice/new").get_data(as_text=True)
    assert 'class="hp"' in page and 'name="website"' in page and 'tabindex="-1"' in page
    assert ".hp { display: none; }" in client.get("/static/css/app.css").get_data(as_text=True)


@pytest.mark.parametrize("endpoint", ["/voice/new", "/voice/confirm"])
def test_a_bot_that_fills_in_the_honeypot_is_refused_and_nothing_is_stored(app, client, endpoint):
    response = client.post(endpoint, data={**_form_data(client), "website": "http://spam.example", "action": "submit"})
    assert response.status_code == 400
    assert "送信できませんでした" in response.get_data(as_text=True)
    assert _count(app) == 0


def test_too_many_submissions_from_one_address_are_refused_with_429(app, client):
    app.config.update(RATE_LIMIT_SUBMIT="2 per minute")
    submit_via_form(client, VOICE)
    # Going back to edit on the confirmation page stores nothing and does not count.
    data = _form_data(client)
    assert client.post("/voice/confirm", data={**data, "action": "back"}).status_code == 200
    submit_via_form(client, VOICE)
    data = _form_data(client)
    refused = client.post("/voice/confirm", data={**data, "action": "submit"})
    assert refused.status_code == 429
    assert "しばらくしてからもう一度お試しください" in refused.get_data(as_text=True)
    assert "Retry-After" in refused.headers
    assert _count(app) == 2
    # The form and the API share the budget.
    api = client.post("/api/v1/voices", json={**VOICE, "consent_privacy": True})
    assert api.status_code == 429 and api.get_json()["error"] == "rate_limited"


def test_a_refused_submission_re_shows_the_form_with_what_was_typed(app, client):
    """Does a 429 at the 確認 step keep the citizen's text, as an expired form does, and store nothing?"""
    app.config.update(RATE_LIMIT_SUBMIT="1 per minute")
    submit_via_form(client, VOICE)
    data = {**_form_data(client), "body": "長い文章を書いたのに消えたら困ります", "subject": "駐輪場", "phone": "0297-00-0000"}
    refused = client.post("/voice/confirm", data={**data, "action": "submit"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "短い時間に多くの送信がありました" in html
    assert "長い文章を書いたのに消えたら困ります" in html and 'value="駐輪場"' in html and 'value="0297-00-0000"' in html
    assert hidden_value(html, "client_token") == data["client_token"]  # a later retry stays idempotent
    assert 'name="csrf_token"' in html
    assert _count(app) == 1


def test_status_lookups_are_limited_against_guessing_codes(app, client):
    app.config.update(RATE_LIMIT_STATUS="3 per minute")
    token = csrf_token_from(client.get("/status").get_data(as_text=True))
    answers = [client.post("/status", data={"receipt_no": "2026-000001", "access_code": f"ABCDEFG{i}",
                                            "csrf_token": token}).status_code for i in range(4)]
    assert answers == [200, 200, 200, 429]
    assert client.get("/status").status_code == 200  # reading the page itself is not limited
    assert client.get("/api/v1/voices/2026-000001?code=ABCDEFGH").status_code == 429  # shared with the API


def test_a_request_over_the_size_cap_is_refused_with_413(app, client):
    app.config.update(MAX_CONTENT_LENGTH=16 * 1024)
    big = client.post("/voice/new", data={**_form_data(client), "body": "あ" * 20_000})
    assert big.status_code == 413 and "大きすぎます" in big.get_data(as_text=True)
    api = client.post("/api/v1/voices", json={**VOICE, "body": "x" * 20_000})
    assert api.status_code == 413 and api.get_json()["error"] == "too_large"
    assert _count(app) == 0
    # An oversized request must not put the rate limiter out of action.
    app.config.update(RATE_LIMIT_SUBMIT="1 per minute")
    assert client.post("/api/v1/voices", json={**VOICE, "consent_privacy": True}).status_code == 201
    assert client.post("/api/v1/voices", json={**VOICE, "consent_privacy": True}).status_code == 429


@pytest.mark.postgres
@pytest.mark.redis
def test_with_redis_the_limits_are_kept_in_redis(pg_app, redis_url):
    assert pg_app.config["RATELIMIT_STORAGE_URI"] == redis_url
    pg_app.config.update(RATE_LIMIT_SUBMIT="1 per minute")
    client = pg_app.test_client()
    assert client.post("/api/v1/voices", json={**VOICE, "consent_privacy": True}).status_code == 201
    # A second web process (a new app on the same Redis) sees the same count.
    other = pg_app.test_client()
    assert other.post("/api/v1/voices", json={**VOICE, "consent_privacy": True}).status_code == 429
    keys = Redis.from_url(redis_url).keys("LIMITS:*")
    assert any(b"voice-submit" in key for key in keys), keys
