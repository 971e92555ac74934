"""Does the app run as it is deployed: an installed package with a chosen instance folder, and a
reverse proxy in front that the per-IP limits must see through (and only when told to)?"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from models import db
from tests.conftest import _test_app
from voices.importers.service import imports_dir
from web import create_app

ROOT = Path(__file__).resolve().parent.parent
VOICE = {"voice_type": "要望", "body": "駅前の駐輪場が足りません。", "consent_privacy": True}


@pytest.fixture
def bare_env(monkeypatch, tmp_path):
    """No deployment variables set, as on a fresh server."""
    for name in ("DATABASE_URL", "MIRAI_MODEL_DIR", "MIRAI_INSTANCE_DIR", "MIRAI_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MIRAI_SECRET_KEY", "test-secret")
    return monkeypatch


def test_the_instance_folder_can_be_chosen_and_everything_local_lives_in_it(bare_env, tmp_path):
    folder = tmp_path / "srv" / "instance"
    bare_env.setenv("MIRAI_INSTANCE_DIR", str(folder))
    app = create_app({"TESTING": True})
    assert app.instance_path == str(folder) and folder.is_dir()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{folder / 'mirai.db'}"
    assert app.config["MODEL_DIR"] == str(folder / "models")
    with app.app_context():
        assert imports_dir() == folder / "imports" and (folder / "imports").is_dir()


def test_a_relative_instance_folder_is_made_absolute(bare_env, tmp_path):
    bare_env.chdir(tmp_path)
    bare_env.setenv("MIRAI_INSTANCE_DIR", "data")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.instance_path == str(tmp_path / "data")


def _submit_from(app, forwarded_for: str) -> int:
    response = app.test_client().post("/api/v1/voices", json=VOICE, headers={"X-Forwarded-For": forwarded_for})
    return response.status_code


@pytest.fixture
def proxied_app(model_dir, sqlite_template, tmp_path):
    """The embedded default behind one trusted reverse proxy."""
    database = tmp_path / "proxied.db"
    shutil.copyfile(sqlite_template, database)
    app = _test_app(f"sqlite:///{database}", model_dir, TRUSTED_PROXIES=1)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_behind_a_trusted_proxy_each_citizen_has_their_own_budget(proxied_app):
    proxied_app.config.update(RATE_LIMIT_SUBMIT="1 per minute")
    assert _submit_from(proxied_app, "203.0.113.7") == 201
    assert _submit_from(proxied_app, "203.0.113.7") == 429
    # Another citizen behind the same proxy is not refused because of the first.
    assert _submit_from(proxied_app, "198.51.100.20") == 201


def test_the_factory_trusts_the_number_of_proxies_it_is_given(bare_env, tmp_path):
    bare_env.setenv("MIRAI_TRUSTED_PROXIES", "1")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    seen = {}

    @app.get("/_probe")
    def _probe():
        from flask import request

        seen.update(addr=request.remote_addr, scheme=request.scheme, host=request.host)
        return ""

    app.test_client().get("/_probe", headers={
        "X-Forwarded-For": "1.2.3.4, 203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "voice.example.jp"})
    # Only the entry the one trusted proxy added counts; what the client wrote before it does not.
    assert seen == {"addr": "203.0.113.7", "scheme": "https", "host": "voice.example.jp"}


def test_without_trusted_proxies_a_forged_address_does_not_escape_the_limit(app):
    assert app.config["TRUSTED_PROXIES"] == 0
    app.config.update(RATE_LIMIT_SUBMIT="1 per minute")
    assert _submit_from(app, "203.0.113.7") == 201
    assert _submit_from(app, "198.51.100.20") == 429


def test_a_proxy_count_that_is_not_a_number_stops_the_start_with_the_variable_named(bare_env):
    bare_env.setenv("MIRAI_TRUSTED_PROXIES", "yes")
    with pytest.raises(RuntimeError, match="MIRAI_TRUSTED_PROXIES"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_the_image_keeps_its_instance_folder_where_the_compose_volumes_are_mounted():
    dockerfile = (ROOT / "Dockerfile").read_text()
    compose = (ROOT / "docker-compose.yml").read_text()
    instance = re.search(r"MIRAI_INSTANCE_DIR=(\S+)", dockerfile).group(1)
    mounts = re.findall(r"^\s+- \w+:(/app/\S+)", compose, flags=re.MULTILINE)
    assert {"/app/instance/models", "/app/instance/imports"} <= set(mounts)
    assert all(mount.startswith(instance + "/") for mount in mounts)
    # The image's user must be able to write there: the image creates each mount point and hands the
    # folder over, and a new named volume takes the owner of the folder it is mounted on.
    made = re.search(r"mkdir -p ([^&]+)&& chown -R mirai (\S+)", dockerfile)
    assert set(mounts) <= set(made.group(1).split()) and made.group(2) == instance
    # The web service sits behind the host's TLS proxy: published on loopback only, one proxy trusted.
    assert '"127.0.0.1:8000:8000"' in compose and "MIRAI_TRUSTED_PROXIES" in compose


def test_each_web_worker_loads_the_active_model_as_it_starts(model_dir):
    import classifier
    from classifier import predictor
    from web import gunicorn_conf

    classifier.configure(model_dir)
    predictor._loaded.pop(model_dir.resolve(), None)
    gunicorn_conf.post_worker_init(worker=None)
    assert predictor._loaded[model_dir.resolve()][0] == classifier.active_version()


def test_a_worker_without_a_usable_model_starts_without_training(model_dir, tmp_path):
    import classifier
    from web import gunicorn_conf

    classifier.configure(tmp_path)
    try:
        gunicorn_conf.post_worker_init(worker=None)
        assert classifier.list_versions() == [] and classifier.active_version() is None
    finally:
        classifier.configure(model_dir)


def test_settings_the_compose_file_passes_empty_fall_back_to_their_defaults(bare_env):
    """compose hands ``${VAR:-}`` to the containers as "" when the operator set nothing."""
    compose = (ROOT / "docker-compose.yml").read_text()
    passed = re.findall(r"^\s+(MAIL_\w+|MIRAI_CITY_NAME): \$\{\1:-\}$", compose, flags=re.MULTILINE)
    assert set(passed) == {"MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD",
                           "MAIL_SENDER", "MIRAI_CITY_NAME"}
    for name in passed:
        bare_env.setenv(name, "")
    config = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).config
    assert (config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_USE_TLS"]) == (None, 25, False)
    assert config["MAIL_SENDER"] == "koucho@city.example.lg.jp" and config["CITY_NAME"] == "つくばみらい市"
    bare_env.setenv("MAIL_SERVER", "smtp.city.example.lg.jp")
    bare_env.setenv("MAIL_PORT", "587")
    config = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).config
    assert (config["MAIL_SERVER"], config["MAIL_PORT"]) == ("smtp.city.example.lg.jp", 587)


class _Proxy:
    """A test client that sends what the documented nginx configuration sends in front of the app."""

    def __init__(self, client, host: str = "voice.example.jp", forwarded_host: bool = True):
        self.client, self.host = client, host
        self.headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
        if forwarded_host:
            self.headers["X-Forwarded-Host"] = host

    def get(self, path, **kwargs):
        return self.client.get(path, headers=self.headers, **kwargs)

    def post(self, path, **kwargs):
        headers = {**self.headers, "Referer": f"https://{self.host}/voice/new"}
        return self.client.post(path, headers=headers, **kwargs)


def test_the_public_form_works_behind_an_https_proxy_with_its_referrer_check(proxied_app):
    """Behind TLS the CSRF check also compares the Referer with the host: the proxy must pass the host."""
    from tests.support import submit_via_form

    receipt, _code = submit_via_form(_Proxy(proxied_app.test_client()), {
        "voice_type": "要望", "body": "駅前の駐輪場を増やしてください。", "consent_privacy": "y"})
    assert receipt
    # A proxy that passes neither Host nor X-Forwarded-Host makes every form fail: the documented
    # configuration sets it, and this is what happens without it.
    blind = _Proxy(proxied_app.test_client(), forwarded_host=False)
    page = blind.get("/voice/new").get_data(as_text=True)
    from tests.support import csrf_token_from, hidden_value

    refused = blind.post("/voice/new", data={"csrf_token": csrf_token_from(page), "voice_type": "要望",
                                             "client_token": hidden_value(page, "client_token"),
                                             "body": "x", "consent_privacy": "y"})
    assert refused.status_code == 400


def test_the_sample_proxy_configuration_sends_what_the_app_needs():
    conf = (ROOT / "deploy" / "nginx.conf.example").read_text()
    for header in ("Host $host", "X-Forwarded-Host $host", "X-Forwarded-Proto $scheme",
                   "X-Forwarded-For $remote_addr"):
        assert f"proxy_set_header {header};" in conf
    assert "proxy_pass http://127.0.0.1:8000;" in conf
    # The import page accepts up to 200 MiB; nginx refuses anything over its limit before the app sees it.
    assert int(re.search(r"client_max_body_size (\d+)m;", conf).group(1)) * 1024 * 1024 >= create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["IMPORT_MAX_BYTES"]


def test_over_https_browsers_are_told_to_stay_on_https(proxied_app):
    assert _Proxy(proxied_app.test_client()).get("/").headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in proxied_app.test_client().get("/").headers  # plain HTTP: no


@pytest.mark.parametrize(("name", "value"), [
    ("MIRAI_MAX_REQUEST_BYTES", "1MB"), ("MIRAI_IMPORT_MAX_BYTES", "200M"),
    ("REDIS_URL", "127.0.0.1:6379"), ("DATABASE_URL", "mysql://mirai:secret-pw@db/mirai"),
])
def test_a_mistyped_setting_stops_the_start_with_the_variable_named(bare_env, name, value):
    bare_env.setenv(name, value)
    with pytest.raises(RuntimeError, match=name) as raised:
        create_app({"TESTING": True})
    assert "secret-pw" not in str(raised.value)  # the message never repeats a password


def test_the_worker_without_redis_says_so_without_a_traceback(bare_env, tmp_path):
    bare_env.delenv("REDIS_URL", raising=False)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'w.db'}"})
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 1
    assert "REDIS_URL が設定されていません" in result.output and "Traceback" not in result.output


def test_compose_lets_each_service_finish_what_it_is_doing_before_it_is_killed():
    """SIGTERM makes RQ finish its current job (a retraining takes over a minute) and gunicorn finish its
    requests (30 s); Docker's default of 10 s before SIGKILL would cut both short."""
    compose = (ROOT / "docker-compose.yml").read_text()
    services = dict(re.findall(r"^  ([\w-]+):\n((?:    .*\n|\s*\n)+)", compose, flags=re.MULTILINE))

    def grace(name: str) -> int:
        value = re.search(r"stop_grace_period: (\d+)(s|m)", services[name]).groups()
        return int(value[0]) * (60 if value[1] == "m" else 1)

    assert grace("web") > 30
    assert grace("worker") >= 120  # a routing job's own timeout
    assert grace("worker-slow") >= 180
