"""A throwaway PostgreSQL server for the test run: initdb into a temp dir, pg_ctl on a free
loopback port, torn down at the end. Machines here run as root and initdb refuses root, so
the data directory is owned by the `postgres` system user and the tools run as that user."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SEARCH = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")


def find_bin() -> Path | None:
    configured = os.environ.get("SAMMACHIP_PG_BIN")
    for candidate in ((configured,) if configured else ()) + SEARCH:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    root: Path
    port: int
    bindir: Path

    @property
    def admin_url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    async def create_database(self, name: str, template: str | None = None) -> str:
        """A new database on this server (copied from `template` if given); its URL."""
        import asyncpg

        connection = await asyncpg.connect(host="127.0.0.1", port=self.port, user="postgres")
        try:
            suffix = f" TEMPLATE {template}" if template else ""
            await connection.execute(f'CREATE DATABASE "{name}"{suffix}')
        finally:
            await connection.close()
        return self.url(name)

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def start() -> PostgresServer:
    bindir = find_bin()
    if bindir is None:
        raise RuntimeError("PostgreSQL server binaries not found (set SAMMACHIP_PG_BIN)")
    root = Path(tempfile.mkdtemp(prefix="sammachip-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    server = PostgresServer(root, free_port(), bindir)
    server._run("initdb", "-D", str(root / "data"), "-A", "trust", "-U", "postgres", "-E", "UTF8")
    server._run(
        "pg_ctl", "-D", str(root / "data"), "-l", str(root / "log"), "-w",
        "-o", f"-p {server.port} -k {root} -h 127.0.0.1 -c fsync=off -c max_connections=200",
        "start",
    )  # fmt: skip
    return server
