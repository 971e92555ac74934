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
    assert body["queue"]["backend"] == "rq" and body["queue"]["workers"]["routing"] == 0
    assert body["queue"]["circuit"] == {"state": "closed", "retry_in": 0}  # see tests/test_redis_hang.py


def test_security_headers_are_set(client):
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_health_is_degraded_while_a_queue_has_no_worker(pg_app):
    """Redis answering is not enough: a voice enqueued where no worker listens is never routed."""
    from rq import Worker

    from routing.worker import queue_names

    client = pg_app.test_client()
    body = client.get("/api/v1/health").get_json()
    assert body["status"] == "degraded" and not body["queue"]["ok"]
    assert body["queue"]["queues_without_worker"] == queue_names()

    dispatcher = pg_app.extensions["mirai_dispatcher"]
    fast = Worker([dispatcher.queue(name) for name in ("routing", "mail", "periodic")],
                  connection=dispatcher.connection)
    fast.register_birth()
    try:
        body = client.get("/api/v1/health").get_json()
        assert body["queue"]["workers"]["routing"] == 1 and body["queue"]["workers"]["slow"] == 0
        assert body["queue"]["queues_without_worker"] == ["training", "slow"]
        slow = Worker([dispatcher.queue(name) for name in ("training", "slow")], connection=dispatcher.connection)
        slow.register_birth()
        try:
            body = client.get("/api/v1/health").get_json()
            assert body["status"] == "ok" and body["queue"]["ok"] and body["queue"]["queues_without_worker"] == []
        finally:
            slow.register_death()
    finally:
        fast.register_death()


def test_health_is_degraded_without_a_usable_model(app, tmp_path):
    import classifier

    body = app.test_client().get("/api/v1/health").get_json()
    assert body["model"] == {"ok": True, "version": classifier.active_version()}
    previous = app.config["MODEL_DIR"]
    classifier.configure(tmp_path)  # an empty models volume, as after losing it
    try:
        body = app.test_client().get("/api/v1/health").get_json()
        assert body["status"] == "degraded" and body["model"] == {"ok": False, "version": None}
    finally:
        classifier.configure(previous)
