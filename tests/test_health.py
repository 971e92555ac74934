"""Does /api/v1/health tell operators the state of the database and the queue?"""


def test_health_on_the_embedded_default(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "dialect": "sqlite"}
    assert body["queue"] == {"backend": "inline", "ok": True, "outbox_pending": 0}


def test_health_on_postgresql_and_redis(pg_app):
    body = pg_app.test_client().get("/api/v1/health").get_json()
    assert body["database"]["dialect"] == "postgresql" and body["database"]["ok"]
    assert body["queue"]["backend"] == "rq" and body["queue"]["ok"]


def test_security_headers_are_set(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
