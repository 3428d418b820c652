"""A throwaway PostgreSQL cluster for tests: `initdb` into a temporary folder, `pg_ctl start` on 127.0.0.1 at a
free port, the URL handed to the test, then `pg_ctl stop -m immediate` and the folder removed.

Run as root, the server runs as the `postgres` account (`runuser -u postgres`): PostgreSQL refuses to run as
root. Where no server can be had — no `initdb`/`pg_ctl` (the package postgresql-15 is not installed), no
`postgres` account to run it as root, or a server that does not start — `cluster()` skips the test with the
reason, unless the environment variable PG_TEST_REQUIRED=1 says a server must be there (`.ci/run` sets it
when the binaries are installed): then it fails instead, so that a broken server does not pass CI silently.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

PREFERRED_MAJOR = "15"  # the issue asks for PostgreSQL 15; another major version is used when 15 is not installed
REQUIRED_ENV = "PG_TEST_REQUIRED"
START_TIMEOUT_S = 30


def server_bin() -> Path | None:
    """The folder holding `initdb` and `pg_ctl`: PostgreSQL 15's Debian folder first, then PATH, then any other
    installed major version (newest first); None when there is none."""
    candidates = [Path(f"/usr/lib/postgresql/{PREFERRED_MAJOR}/bin")]
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(os.path.realpath(on_path)).parent)
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                                           key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
                                           reverse=True)]
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file() and (folder / "postgres").is_file():
            return folder
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRED_ENV) == "1":
        pytest.fail(f"{reason}（{REQUIRED_ENV}=1：此环境应能启动 PostgreSQL）", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(cmd: list[str], as_user: str | None) -> subprocess.CompletedProcess:
    if as_user:
        cmd = ["runuser", "-u", as_user, "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _tail(text: str, lines: int = 6) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:] if line.strip())


@contextmanager
def cluster() -> Iterator[str]:
    """A running throwaway cluster; yields its URL `postgresql://postgres@127.0.0.1:<port>/postgres` (trust
    authentication, reachable only from this machine). Stopped and removed on exit, also after a failure."""
    bin_dir = server_bin()
    if bin_dir is None:
        _unavailable("找不到 PostgreSQL 服务器程序 initdb/pg_ctl（no PostgreSQL server binaries: install the package "
                     "postgresql-15, e.g. `apt-get install -y postgresql-15`; .ci/run does this when run as root）")
    as_user = None
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            _unavailable("以 root 运行，但没有 postgres 账户来启动 PostgreSQL（running as root without a `postgres` "
                         "account: PostgreSQL refuses to run as root）")
        if shutil.which("runuser") is None:
            _unavailable("以 root 运行，但找不到 runuser（running as root without `runuser` to start PostgreSQL "
                         "as the postgres account）")
        as_user = "postgres"
    folder = Path(tempfile.mkdtemp(prefix="eduplan-pg-"))
    data = folder / "data"
    log = folder / "server.log"
    started = False
    try:
        if as_user:
            shutil.chown(folder, user=as_user)
        done = _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                     "--locale=C", "--no-sync", "--no-instructions"], as_user)
        if done.returncode != 0:
            _unavailable(f"PostgreSQL initdb 失败（initdb failed, exit {done.returncode}）：{_tail(done.stderr or done.stdout)}")
        for attempt in range(3):  # the free port can be taken between finding it and the server binding it
            port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='{folder}' "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            done = _run([str(bin_dir / "pg_ctl"), "start", "-D", str(data), "-l", str(log), "-w",
                         "-t", str(START_TIMEOUT_S), "-o", options], as_user)
            if done.returncode == 0:
                started = True
                break
            time.sleep(0.2)
        if not started:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            _unavailable(f"PostgreSQL 服务器未能启动（pg_ctl start failed）：{_tail(server_log or done.stderr or done.stdout)}")
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            _run([str(bin_dir / "pg_ctl"), "stop", "-D", str(data), "-m", "immediate", "-w"], as_user)
        shutil.rmtree(folder, ignore_errors=True)
