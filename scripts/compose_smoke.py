"""Smoke-test the production stack of docker-compose.yml end to end, the way an operator uses it.

    python scripts/compose_smoke.py            # needs Docker with Compose (v2 plugin or docker-compose v1)

Runs under its own Compose project name (``mirai-smoke``) with its own volumes, and removes them at the
end; it publishes port 8000 on 127.0.0.1, so stop another stack on that port first. Steps, each checked:
1. build and start everything; wait until ``/api/v1/health`` says ``ok`` (migrate, seed, model trained);
2. make the first administrator with ``create-admin``, as the README says;
3. a citizen sends a voice through the public form behind a TLS proxy (``X-Forwarded-Proto: https``, so
   the Secure cookies and the CSRF referrer check are the production ones); the worker routes it;
4. the administrator imports a Shift_JIS CSV: the web checks nothing itself, worker-slow reads the upload
   from the shared ``imports`` volume, and the file is deleted once imported;
5. back up (pg_dump and the models volume), destroy every volume, restore as the README says, and check
   that the voices are back and the same model version is active without retraining.
Prints one line per step and exits 1 at the first failure. Not part of ``make test``: it takes minutes
and needs a Docker daemon.
"""
from __future__ import annotations

import csv
import io
import json
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "mirai-smoke"
BASE = "http://127.0.0.1:8000"
ADMIN, ADMIN_PASSWORD = "smoke-admin", "Smoke-Test-" + secrets.token_hex(6)
VOICE = "家の前の道路に大きな穴が開いていて、自転車で通ると危ないです。早く直してください。"
IMPORT_ROWS = [
    ["2026-05-20", "電話", "苦情", "集積所のごみが回収されずに残っていて、カラスが散らかしています。", "", "", "小絹", ""],
    ["2026/5/21 10:30", "窓口", "要望", "市道の側溝のふたががたついて、夜中に音がします。", "", "", "伊奈", ""],
    ["令和8年5月22日", "手紙", "提案", "図書館の開館時間を夜まで延ばしてほしいです。", "", "", "", "生涯学習課"],
]


def compose(*args: str, stdin=None, stdout=None, capture: bool = False) -> str:
    """Run one Compose command in the project, its output into ``stdout`` (a file) or returned when
    ``capture``; raise on failure."""
    if stdout is None:
        stdout = subprocess.PIPE if capture else subprocess.DEVNULL
    result = subprocess.run([*_compose_prefix(), *args], cwd=ROOT, stdin=stdin, stdout=stdout,
                            stderr=subprocess.PIPE, check=True)
    return result.stdout.decode() if capture else ""


@cache
def _compose_prefix() -> tuple[str, ...]:
    plugin = subprocess.run(["docker", "compose", "version"], check=False, capture_output=True).returncode == 0
    return ("docker", "compose", "-p", PROJECT) if plugin else ("docker-compose", "-p", PROJECT)


def sql(query: str) -> str:
    return compose("exec", "-T", "db", "psql", "-U", "mirai", "-d", "mirai", "-tAc", query, capture=True).strip()


def wait_for(what: str, ready, timeout: float = 300):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = ready()
        if value:
            return value
        time.sleep(2)
    raise SystemExit(f"FAIL: {what} within {timeout:.0f} s")


def health() -> dict | None:
    try:
        with urllib.request.urlopen(f"{BASE}/api/v1/health", timeout=5) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


class Browser:
    """A client behind a TLS proxy: Secure cookies kept by hand, redirects not followed."""

    def __init__(self):
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def call(self, path: str, data: dict | None = None, upload: tuple[str, bytes] | None = None, referer: str = "/"):
        headers = {"X-Forwarded-Proto": "https", "Referer": f"https://127.0.0.1:8000{referer}",
                   "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if upload:
            body, headers["Content-Type"] = _multipart(data or {}, *upload)
        elif data is not None:
            body = urllib.parse.urlencode(data).encode()
        try:
            response = self.opener.open(urllib.request.Request(BASE + path, data=body, headers=headers))
        except urllib.error.HTTPError as error:
            response = error
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, value = cookie.split(";")[0].split("=", 1)
            self.cookies[name] = value
        return response.status, response.headers, response.read().decode()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _multipart(fields: dict, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
                 f"Content-Type: text/csv\r\n\r\n".encode() + content + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}"[^>]*value="([^"]*)"', html).group(1)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"FAIL: {message}")


def start() -> str:
    compose("up", "-d", "--build")
    status = wait_for("the stack to be healthy", lambda: (h := health()) and h["status"] == "ok" and h)
    return status["model"]["version"]


def citizen_sends_a_voice() -> str:
    citizen = Browser()
    page = citizen.call("/voice/new")[2]
    data = {"csrf_token": hidden(page, "csrf_token"), "client_token": hidden(page, "client_token"),
            "voice_type": "要望", "body": VOICE, "consent_privacy": "y"}
    status, _, confirm = citizen.call("/voice/new", data, referer="/voice/new")
    check(status == 200 and "入力内容の確認" in confirm, f"the confirmation page (HTTP {status})")
    status, headers, _ = citizen.call("/voice/confirm", {**data, "csrf_token": hidden(confirm, "csrf_token"),
                                                         "action": "submit"}, referer="/voice/new")
    check(status == 303, f"sending the voice (HTTP {status})")
    receipt = re.search(r'id="receipt-no">([^<]+)<', citizen.call(headers["Location"])[2]).group(1)
    return wait_for("the worker to route the voice",
                    lambda: sql(f"select status from voices where receipt_no = '{receipt}' and status <> 'received'"))


def admin_imports_a_csv() -> dict:
    admin = Browser()
    page = admin.call("/staff/login")[2]
    status, _, _ = admin.call("/staff/login", {"csrf_token": hidden(page, "csrf_token"), "login_id": ADMIN,
                                               "password": ADMIN_PASSWORD}, referer="/staff/login")
    check(status == 302, f"the administrator's sign-in (HTTP {status})")
    text = io.StringIO()
    csv.writer(text).writerows([["受付日", "経路", "種別", "内容", "氏名", "連絡先", "地区", "担当課"], *IMPORT_ROWS])
    page = admin.call("/staff/imports/")[2]
    status, headers, _ = admin.call("/staff/imports/", {"csrf_token": hidden(page, "csrf_token"), "kind": "voices"},
                                    ("過去の受付.csv", text.getvalue().encode("cp932")), referer="/staff/imports/")
    check(status == 303, f"the upload (HTTP {status})")
    path = urllib.parse.urlparse(headers["Location"]).path

    def progress() -> dict:
        return json.loads(admin.call(f"{path}/progress")[2])

    state = wait_for("worker-slow to check the file",
                     lambda: (p := progress())["state"] not in ("uploaded", "checking") and p["state"])
    check(state == "checked", f"the check ended in {state}")
    page = admin.call(path)[2]
    admin.call(f"{path}/import", {"csrf_token": hidden(page, "csrf_token")}, referer=path)
    return wait_for("worker-slow to import the file", lambda: (p := progress())["finished"] and p)


def back_up_destroy_and_restore(folder: Path) -> None:
    dump, models = folder / "mirai.dump", folder / "models.tgz"
    with dump.open("wb") as out:
        compose("exec", "-T", "db", "pg_dump", "-U", "mirai", "-Fc", "mirai", stdout=out)
    with models.open("wb") as out:
        compose("run", "--rm", "--no-deps", "-T", "worker", "tar", "czf", "-", "-C", "/app/instance", "models",
                stdout=out)
    compose("down", "-v")
    compose("up", "-d", "db", "redis")
    wait_for("PostgreSQL to start", lambda: _quiet_ok("exec", "-T", "db", "pg_isready", "-U", "mirai", "-d", "mirai"))
    with models.open("rb") as archive:
        compose("run", "--rm", "--no-deps", "-T", "worker", "tar", "xzf", "-", "-C", "/app/instance", stdin=archive)
    with dump.open("rb") as archive:
        compose("exec", "-T", "db", "pg_restore", "-U", "mirai", "-d", "mirai", "--clean", "--if-exists",
                "--no-owner", stdin=archive)
    compose("run", "--rm", "migrate")
    compose("up", "-d")


def _quiet_ok(*args: str) -> bool:
    return subprocess.run([*_compose_prefix(), *args], check=False, cwd=ROOT, capture_output=True).returncode == 0


def main() -> int:
    env_file = ROOT / ".env"
    if env_file.exists():
        raise SystemExit("FAIL: .env exists; this script writes its own (move yours aside)")
    env_file.write_text(f"MIRAI_SECRET_KEY={secrets.token_hex(32)}\nPOSTGRES_PASSWORD={secrets.token_hex(8)}\n")
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="mirai-smoke-"))
    try:
        version = start()
        print(f"1. stack healthy, model {version} ({time.monotonic() - started:.0f} s)")
        compose("run", "--rm", "-e", f"MIRAI_ADMIN_PASSWORD={ADMIN_PASSWORD}", "web", "flask", "--app", "web",
                "create-admin", ADMIN, "--name", "動作確認")
        print("2. first administrator created")
        print(f"3. a citizen's voice sent through the form and routed: {citizen_sends_a_voice()}")
        progress = admin_imports_a_csv()
        check(progress["state"] == "done" and progress["imported_rows"] == len(IMPORT_ROWS), f"the import: {progress}")
        left = compose("exec", "-T", "worker-slow", "ls", "-A", "/app/instance/imports", capture=True).split()
        check(not left, f"uploads left in the imports volume: {left}")
        print(f"4. CSV imported by worker-slow: {progress['imported_rows']} rows; the upload deleted")
        voices = sql("select count(*) from voices")
        back_up_destroy_and_restore(folder)
        restored = wait_for("the restored stack to be healthy", lambda: (h := health()) and h["status"] == "ok" and h)
        check(sql("select count(*) from voices") == voices, "the voices after the restore")
        check(restored["model"]["version"] == version, f"model {restored['model']['version']} after the restore")
        print(f"5. backed up, volumes destroyed, restored: {voices} voices, model {version} still active")
        print(f"all steps passed in {time.monotonic() - started:.0f} s")
        return 0
    finally:
        compose("down", "-v")
        env_file.unlink()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
