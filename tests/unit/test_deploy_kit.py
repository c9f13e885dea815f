"""deploy/: what docs/deploy.md tells an IT person to install is checked here.

- the systemd units: `systemd-analyze verify` (where systemd is installed), and always a parser
  check that they run real `sammachip` commands, as the right user, with the env file;
- the Caddyfiles: `caddy validate`, and the `tls internal` variant really serving
  `sammachip serve` over HTTPS on loopback (Caddy is a Debian package .ci/run installs);
- the PostgreSQL set-up script on the test run's server: a role with no more than it needs,
  which can migrate and own the bot's database;
- the env file template names only real settings."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO

import httpx
import pytest

from bot.cli import _parser
from bot.config import Settings
from tests.support import postgres
from tests.support.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service")) + sorted(
    (DEPLOY / "systemd").glob("*.timer")
)
INSTALLED_BIN = "/opt/sammachip/.venv/bin/sammachip"


def unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file as systemd reads it: sections of keys, each key possibly repeated."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}: a key outside any section: {line}"
        key, _, value = line.partition("=")
        assert key.strip() and _, f"{path.name}: not key=value: {line}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def sammachip_args(command: str) -> list[str] | None:
    """The sammachip arguments of an Exec line, or None if it runs something else."""
    words = shlex.split(command.lstrip("+-!@:"))
    if words[:2] == ["/bin/sh", "-c"]:
        words = shlex.split(words[2].replace("exec ", "", 1))
    if words and words[0] == INSTALLED_BIN:
        return words[1:]
    return None


def test_the_units_run_real_commands_as_the_service_user_with_the_env_file() -> None:
    assert {p.name for p in UNITS} == {
        "sammachip.service", "sammachip-poll.service",
        "sammachip-backup.service", "sammachip-backup.timer",
        "sammachip-serve@.service", "sammachip-migrate.service",
    }  # fmt: skip
    parser = _parser()
    for path in UNITS:
        sections = unit(path)
        assert "Unit" in sections and sections["Unit"]["Description"]
        if path.suffix == ".timer":
            assert sections["Timer"]["OnCalendar"] and sections["Timer"]["Persistent"] == ["true"]
            assert sections["Install"]["WantedBy"] == ["timers.target"]
            continue
        service = sections["Service"]
        assert service["User"] == ["sammachip"] and service["Group"] == ["sammachip"]
        assert service["EnvironmentFile"] == ["/etc/sammachip/sammachip.env"]
        assert service["WorkingDirectory"] == ["/var/lib/sammachip"]
        assert service["NoNewPrivileges"] == ["yes"] and service["ProtectSystem"] == ["strict"]
        commands = [c for key in ("ExecStartPre", "ExecStart") for c in service.get(key, [])]
        ran = [
            args
            for c in commands
            if (args := sammachip_args(c.replace("%%", "%").replace("%i", "8001")))
        ]
        assert ran, path.name
        for args in ran:  # every command line is one the CLI accepts
            parser.parse_args([a if "$(" not in a else "/tmp/x.backup" for a in args])
    workers = unit(DEPLOY / "systemd" / "sammachip-serve@.service")
    assert workers["Unit"]["Requires"] == ["sammachip-migrate.service"]  # migrate first, once
    assert workers["Unit"]["Conflicts"] == ["sammachip.service"]
    assert sammachip_args(workers["Service"]["ExecStart"][0].replace("%i", "8001")) == [
        "serve", "--host", "127.0.0.1", "--port", "8001",
    ]  # fmt: skip
    migrate = unit(DEPLOY / "systemd" / "sammachip-migrate.service")["Service"]
    assert sammachip_args(migrate["ExecStart"][0]) == ["migrate"]
    serve = unit(DEPLOY / "systemd" / "sammachip.service")["Service"]
    assert sammachip_args(serve["ExecStartPre"][0]) == ["migrate"]  # upgrades: migrate first
    assert sammachip_args(serve["ExecStart"][0]) == [
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "8000",
    ]
    assert unit(DEPLOY / "systemd" / "sammachip.service")["Install"]["WantedBy"] == [
        "multi-user.target"
    ]
    poll = unit(DEPLOY / "systemd" / "sammachip-poll.service")
    assert poll["Unit"]["Conflicts"] == ["sammachip.service"]
    backup = unit(DEPLOY / "systemd" / "sammachip-backup.service")["Service"]
    assert backup["Type"] == ["oneshot"] and "sammachip backup" in backup["ExecStart"][0]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_analyze_verify_finds_nothing_to_say(tmp_path: Path) -> None:
    """systemd checks every key and value; it needs the programs to exist, so the installed
    path is pointed at this checkout's command for the check."""
    here = shutil.which("sammachip", path=str(Path(sys.executable).parent))
    assert here is not None
    names = [p.name.replace("@.", "@8001.") for p in UNITS]  # a template, as an instance
    for path, name in zip(UNITS, names, strict=True):
        (tmp_path / name).write_text(
            path.read_text(encoding="utf-8").replace(INSTALLED_BIN, here), encoding="utf-8"
        )
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(str(tmp_path / n) for n in names)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and done.stderr.strip() == "", done.stderr


CADDY = shutil.which("caddy")
needs_caddy = pytest.mark.skipif(
    CADDY is None, reason="caddy not installed (apt-get install caddy)"
)


@needs_caddy
@pytest.mark.parametrize("name", ["Caddyfile", "Caddyfile.internal"])
def test_caddy_validates_the_caddyfiles(name: str, tmp_path: Path) -> None:
    assert CADDY is not None
    done = subprocess.run(
        [CADDY, "validate", "--config", str(DEPLOY / "caddy" / name), "--adapter", "caddyfile"],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    formatted = subprocess.run(
        [CADDY, "fmt", str(DEPLOY / "caddy" / name)], capture_output=True, text=True, check=True
    )
    assert formatted.stdout == (DEPLOY / "caddy" / name).read_text(encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(check: Callable[[], object], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            if check():
                return
        except (httpx.HTTPError, OSError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.2)


def _loopback_caddy(
    tmp_path: Path, upstreams: str, https_port: int, http_port: int, log: IO[bytes]
) -> subprocess.Popen[bytes]:
    """`caddy run` with the deploy kit's Caddyfile.internal in front of `upstreams`."""
    assert CADDY is not None
    env = dict(os.environ) | {
        "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path),
        "SAMMACHIP_UPSTREAM": upstreams, "SAMMACHIP_DOMAIN": "localhost",
        "SAMMACHIP_HTTPS_PORT": str(https_port), "SAMMACHIP_HTTP_PORT": str(http_port),
    }  # fmt: skip
    return subprocess.Popen(
        [CADDY, "run", "--config", str(DEPLOY / "caddy" / "Caddyfile.internal"),
         "--adapter", "caddyfile"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=log,
    )  # fmt: skip


@needs_caddy
def test_caddy_with_tls_internal_serves_the_bot_over_https(tmp_path: Path) -> None:
    """The production shape on loopback: `sammachip serve` behind Caddy's HTTPS."""
    assert CADDY is not None
    bot_port, https_port, http_port = _free_port(), _free_port(), _free_port()
    telegram = FakeTelegram().start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "TELEGRAM_"))}
    env |= {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}",
            "TELEGRAM_BOT_TOKEN": telegram.token, "TELEGRAM_WEBHOOK_SECRET": "s3cret",
            "TELEGRAM_API_BASE_URL": telegram.base_url,
            "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path),
            "SAMMACHIP_UPSTREAM": f"127.0.0.1:{bot_port}", "SAMMACHIP_DOMAIN": "localhost",
            "SAMMACHIP_HTTPS_PORT": str(https_port), "SAMMACHIP_HTTP_PORT": str(http_port)}  # fmt: skip
    bot_log = (tmp_path / "bot.log").open("wb")
    caddy_log = (tmp_path / "caddy.log").open("wb")
    bot = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(bot_port), "--no-scheduler"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=bot_log,
    )  # fmt: skip
    caddy = _loopback_caddy(tmp_path, f"127.0.0.1:{bot_port}", https_port, http_port, caddy_log)
    try:
        _wait(lambda: httpx.get(f"http://127.0.0.1:{bot_port}/healthz").status_code == 200)
        root = tmp_path / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        _wait(root.exists)
        url = f"https://localhost:{https_port}"
        with httpx.Client(verify=ssl.create_default_context(cafile=root), timeout=10) as client:
            _wait(lambda: client.get(f"{url}/healthz").status_code == 200)
            health = client.get(f"{url}/healthz")
            assert health.status_code == 200 and "Server" not in health.headers
            # A webhook through the proxy reaches the bot, which checks the secret itself.
            refused = client.post(f"{url}/webhooks/telegram", json={"update_id": 1})
            assert refused.status_code == 403
            person = {"id": 4242, "is_bot": False, "first_name": "ทดสอบ"}
            update = {"update_id": 1, "message": {
                "message_id": 1, "date": int(time.time()), "from": person, "text": "สวัสดี",
                "chat": {"id": 4242, "type": "private", "first_name": "ทดสอบ"}}}  # fmt: skip
            accepted = client.post(
                f"{url}/webhooks/telegram", json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": "s3cret"},
            )  # fmt: skip
            assert accepted.status_code == 200
            _wait(lambda: any(str(m.chat_id) == "4242" for m in telegram.sent), 30)  # answered
            too_big = client.post(f"{url}/webhooks/telegram", content=b"x" * (3 * 1024 * 1024))
            assert too_big.status_code == 413
    finally:
        for process in (caddy, bot):
            process.send_signal(signal.SIGTERM)
        for process in (caddy, bot):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        telegram.stop()
        bot_log.close()
        caddy_log.close()


@pytest.mark.postgres
def test_the_postgres_setup_makes_a_least_privilege_owner_that_can_migrate(
    pg_server: postgres.PostgresServer,
) -> None:
    psql = pg_server.bindir / "psql"
    name = f"setup_{os.getpid()}"
    command = [str(psql), "-h", "127.0.0.1", "-p", str(pg_server.port), "-U", "postgres",
               "-d", "postgres", "-q", "-v", "ON_ERROR_STOP=1", "-v", f"role={name}",
               "-v", f"dbname={name}", "-v", "password=first",
               "-f", str(DEPLOY / "postgres" / "setup.sql")]  # fmt: skip
    for _ in range(2):  # running it again is safe
        subprocess.run(command, check=True, capture_output=True, timeout=60)
    url = f"postgresql+asyncpg://{name}:first@127.0.0.1:{pg_server.port}/{name}"
    from bot.storage.migrate import upgrade

    upgrade(url)  # the role owns its schema: `sammachip migrate` works

    def query(sql: str) -> str:
        return subprocess.run(
            [str(psql), "-h", "127.0.0.1", "-p", str(pg_server.port), "-U", "postgres",
             "-d", name, "-tAc", sql],
            check=True, capture_output=True, text=True, timeout=60,
        ).stdout.strip()  # fmt: skip

    assert (
        query(
            f"SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin "
            f"FROM pg_roles WHERE rolname = '{name}'"
        )
        == "f|f|f|f|f|t"
    )
    assert (
        query(f"SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '{name}'") == name
    )
    assert query("SELECT tableowner FROM pg_tables WHERE tablename = 'occupation_group'") == name
    # No one else may connect to the bot's database.
    assert query(f"SELECT has_database_privilege('public', '{name}', 'CONNECT')") == "f"


def test_the_admin_wrapper_runs_the_installed_command_with_the_settings() -> None:
    wrapper = DEPLOY / "sammachip-admin"
    assert os.access(wrapper, os.X_OK)
    subprocess.run(["sh", "-n", str(wrapper)], check=True)
    text = wrapper.read_text(encoding="utf-8")
    assert ". /etc/sammachip/sammachip.env" in text and "cd /var/lib/sammachip" in text
    assert f'runuser -u sammachip -- {INSTALLED_BIN} "$@"' in text


def test_the_env_template_names_only_real_settings() -> None:
    known = {name.upper() for name in Settings.model_fields}
    lines = (DEPLOY / "sammachip.env").read_text(encoding="utf-8").splitlines()
    keys = [line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")]
    assert {"DATABASE_URL", "PUBLIC_BASE_URL", "LINE_CHANNEL_SECRET", "TELEGRAM_BOT_TOKEN"} <= set(
        keys
    )
    assert set(keys) <= known
    assert all(not line.split("=", 1)[1] or "CHANGE-ME" in line or "example" in line
               or line.startswith("BOT_TIMEZONE") for line in lines
               if "=" in line and not line.startswith("#"))  # fmt: skip


class _Recorder(ThreadingHTTPServer):
    """A worker stand-in: answers every POST 200 with the id its body carries and keeps what a
    body did not match (empty, cut off, or another request's: the id is also in a header);
    answers Caddy's health checks and counts them."""

    daemon_threads = True
    request_queue_size = 128  # 5 by default: 40 connections at once were reset, unlike uvicorn

    def __init__(self) -> None:
        self.broken: list[tuple[str, bytes]] = []
        self.checks = 0
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                sent = self.headers.get("X-Request", "")
                try:
                    carried = str(json.loads(body)["request"])
                except (ValueError, KeyError, TypeError):
                    carried = ""
                if carried != sent:
                    recorder.broken.append((sent, body[:80]))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(carried.encode())

            def do_GET(self) -> None:  # Caddy's health check
                recorder.checks += 1
                self.send_response(200)
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, args=(0.02,), daemon=True).start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server_address[1]}"

    def die(self) -> None:
        """Gone, as a SIGKILLed worker: its port refuses connections."""
        self.shutdown()
        self.server_close()


@needs_caddy
def test_caddy_never_sends_a_webhook_on_with_another_requests_body(tmp_path: Path) -> None:
    """Two workers; one dies just after Caddy checked it, so Caddy still sends it requests.
    Caddy 2.6 retried such a request on the other worker with an empty body or another
    request's body, and that worker answered 200 for an update it never received. Every 200
    must be for the request's own body; a request that reached the dead worker gets a 502 (the
    platform delivers it again); from the next health check on, only the live one is used."""
    assert CADDY is not None
    live, dying = _Recorder(), _Recorder()
    https_port, http_port = _free_port(), _free_port()
    with (tmp_path / "caddy.log").open("wb") as log:
        upstreams = f"{dying.address} {live.address}"
        caddy = _loopback_caddy(tmp_path, upstreams, https_port, http_port, log)
    try:
        root = tmp_path / "caddy" / "pki" / "authorities" / "local" / "root.crt"
        _wait(root.exists)
        time.sleep(0.5)  # the file is written a moment after it is created
        url = f"https://localhost:{https_port}/webhooks/telegram"
        context = ssl.create_default_context(cafile=root)

        def wave(first: int, count: int) -> list[tuple[int, int, str]]:
            """`count` webhooks at once, each (request, status, the id the 200 was for)."""

            def post(n: int) -> tuple[int, int, str]:
                body = json.dumps({"request": str(n), "pad": "x" * 400}).encode()
                with httpx.Client(verify=context, timeout=30) as client:
                    answer = client.post(url, content=body, headers={"X-Request": str(n)})
                return n, answer.status_code, answer.text

            with ThreadPoolExecutor(max_workers=count) as pool:
                return list(pool.map(post, range(first, first + count)))

        warm = wave(0, 10)  # both up
        checked = dying.checks
        _wait(lambda: dying.checks > checked, 10)  # checked just now: the next check is ~1 s away
        dying.die()
        answers = wave(100, 40)
        time.sleep(2.5)  # a health check or two since: the dead worker is out
        later = wave(200, 40)
    finally:
        caddy.send_signal(signal.SIGTERM)
        try:
            caddy.wait(timeout=30)
        except subprocess.TimeoutExpired:
            caddy.kill()
        live.die()
    assert live.broken == [] and dying.broken == []
    assert [a for a in warm + answers + later if a[1] == 200 and a[2] != str(a[0])] == []
    assert [a for a in warm if a[1] != 200] == []
    statuses = Counter(status for _, status, _ in answers)
    assert set(statuses) <= {200, 502} and statuses[502] >= 1, statuses  # it was reached
    assert [a for a in later if a[1] != 200] == [], (tmp_path / "caddy.log").read_text()[-3000:]
