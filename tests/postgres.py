"""A throwaway PostgreSQL server for the tests: Debian's binaries, initdb in a temporary folder,
loopback only. `VOC_TEST_PG_URL` points the tests at an existing server instead."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TestServer:
    def __init__(self) -> None:
        self.url = os.environ.get("VOC_TEST_PG_URL")
        self.folder: Path | None = None
        self.bindir = _bindir()
        self.counter = 0

    @property
    def available(self) -> bool:
        return bool(self.url) or self.bindir is not None

    def _as_postgres(self, args: list[str]) -> list[str]:
        return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args

    def start(self) -> str:
        if self.url:
            return self.url
        assert self.bindir is not None
        self.folder = Path(tempfile.mkdtemp(prefix="voc-pg-"))
        data = self.folder / "data"
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        run = lambda args: subprocess.run(self._as_postgres(args), check=True, capture_output=True, text=True)  # noqa: E731
        run([str(self.bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "voc", "-E", "UTF8",
             "--locale=C", "--no-sync"])
        port = _free_port()
        run([str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.folder / "log"), "-w", "-o",
             f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off", "start"])
        self.url = f"postgresql://voc@127.0.0.1:{port}/postgres"
        return self.url

    def new_database(self) -> str:
        """A fresh, empty database on the server; its URL."""
        import psycopg

        base = self.start()
        self.counter += 1
        name = f"voc_test_{os.getpid()}_{self.counter}"
        with psycopg.connect(base, autocommit=True) as con:
            con.execute(f"DROP DATABASE IF EXISTS {name}")
            con.execute(f"CREATE DATABASE {name}")
        return base.rsplit("/", 1)[0] + "/" + name

    def stop(self) -> None:
        if self.folder is None:
            return
        subprocess.run(self._as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate",
                                          "stop"]), capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)
