"""A real `eduplan serve` process on 127.0.0.1 over a copy of a store, for the browser tests and the screenshots.

Shared by tests/web_live.py (pytest fixtures) and tools/screenshots.py:

    folder = Path(tempfile.mkdtemp())
    db, users = prepare(Path("out/demo.duckdb"), folder)   # a copy, with the demo users (users.json)
    with start(db, users=users, log=folder / "server.log") as server:
        client = httpx.Client(base_url=server.url)
        server.login(client, *server.credentials("staff"))

The server is started as its own process (the console script next to this interpreter, else `python -m`),
on a free port, and waited for (bounded) until `GET /` answers; its output goes to a log file that the error
message quotes when it does not come up. Only the standard library and httpx (at call time) are needed.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# The server answers once its start-up warm-up (results computed into the cache) is done: seconds on an idle
# machine, minutes on a two-core one at load 18 (measured: over 180 s). WEB_STARTUP_SECONDS overrides the bound.
STARTUP_SECONDS = float(os.environ.get("WEB_STARTUP_SECONDS") or 300)
ROLES = ("admin", "staff", "inspector", "school")


class LiveServerError(RuntimeError):
    """The server (or its users) could not be prepared or started; the message says why, with the server's log."""


def eduplan_command() -> list[str]:
    """How to run `eduplan`: the console script pip installed next to this interpreter, else the module."""
    script = Path(sys.executable).parent / "eduplan"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from eduplan.cli.app import main; main()"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env() -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    env.setdefault("NO_COLOR", "1")
    return env


def create_users(db: Path, output: Path) -> list[dict]:
    """The demo users (one per role, a 学校 user per demo school, random passwords) written into `db` by
    `eduplan users demo`, read back from the JSON file it writes: a list of {username, role, school_code, password}."""
    run = subprocess.run([*eduplan_command(), "users", "demo", "--db", str(db), "--output", str(output)],
                         capture_output=True, text=True, timeout=300, env=_env())
    if run.returncode != 0 and ("No such command" in run.stderr or "没有" in run.stderr and "users" in run.stderr):
        return _create_users_directly(db, output)  # a checkout without `eduplan users demo` yet
    if run.returncode != 0:
        raise LiveServerError(f"`eduplan users demo --db {db} --output {output}` failed (exit {run.returncode}):\n"
                              f"{run.stderr[-4000:]}{run.stdout[-2000:]}")
    return json.loads(output.read_text(encoding="utf-8"))


def _create_users_directly(db: Path, output: Path, schools: int = 3) -> list[dict]:
    """The stand-in for `eduplan users demo`: one user per bureau role and 学校 users for the first `schools`
    schools, through eduplan.access.add_user."""
    import secrets

    from eduplan import access
    from eduplan.store import Store

    users = []
    with Store(db) as store:
        codes = [r[0] for r in store.con.execute(
            "SELECT DISTINCT school_code FROM school ORDER BY school_code LIMIT ?", [schools]).fetchall()]
        wanted = [("admin", None), ("staff", None), ("inspector", None)] + [("school", c) for c in codes]
        for role, code in wanted:
            name = f"{role}-{code}" if code else role
            password = secrets.token_urlsafe(12)
            access.add_user(store, name, role, password, school_code=code, actor="tests")
            users.append({"username": name, "role": role, "school_code": code, "password": password})
    output.write_text(json.dumps(users, ensure_ascii=False, indent=1), encoding="utf-8")
    return users


def prepare(source: Path, folder: Path) -> tuple[Path, list[dict]]:
    """Copy the store `source` into `folder` (the copy is what the server owns and writes) and create the demo
    users in the copy; returns (the copy's path, the users)."""
    if not Path(source).is_file():
        raise LiveServerError(f"数据库文件 {source} 不存在：请先运行 make demo（或用 --db 指定数据库）")
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "web.duckdb"
    shutil.copyfile(source, db)
    wal = Path(str(source) + ".wal")
    if wal.exists():
        shutil.copyfile(wal, Path(str(db) + ".wal"))
    return db, create_users(db, folder / "users.json")


@dataclass
class LiveServer:
    """A running `eduplan serve`: its base URL, store, demo users and process."""

    url: str
    db: Path
    users: list[dict]
    process: subprocess.Popen
    log: Path
    _closed: bool = field(default=False, repr=False)

    # ---- users

    def user(self, role: str, school_code: str | None = None) -> dict:
        """The first demo user of `role` (of that school, when given)."""
        for u in self.users:
            if u["role"] == role and (school_code is None or u.get("school_code") == school_code):
                return u
        raise LookupError(f"no demo user with role {role!r}" + (f" and school {school_code}" if school_code else ""))

    def credentials(self, role: str, school_code: str | None = None) -> tuple[str, str]:
        u = self.user(role, school_code)
        return u["username"], u["password"]

    # ---- HTTP

    def login(self, session, username: str, password: str):
        """Sign `session` (an httpx.Client with base_url=self.url) in through the login form, as a browser does:
        GET /login (CSRF cookie and token), POST the form; returns the POST's response (303 on success).
        Raises LiveServerError when the form does not sign in."""
        page = session.get("/login")
        token = csrf_of(page.text)
        response = session.post("/login", data={"username": username, "password": password, "csrf": token, "next": ""},
                                 follow_redirects=False)
        if response.status_code != 303:
            raise LiveServerError(f"login as {username} failed: HTTP {response.status_code}\n{response.text[:2000]}")
        return response

    def log_text(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    # ---- lifetime

    def stop(self, timeout: float = 15.0) -> None:
        if self._closed:
            return
        self._closed = True
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # uvicorn shuts down cleanly (the store is closed) on Ctrl+C
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def __enter__(self) -> "LiveServer":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


_CSRF = re.compile(r'<input[^>]*name="csrf"[^>]*value="([^"]+)"|<meta name="csrf-token" content="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of a page (its login form's hidden field, or the meta tag of base.html)."""
    match = _CSRF.search(html)
    if not match:
        raise LiveServerError("no CSRF token on the page:\n" + html[:1000])
    return match.group(1) or match.group(2)


def start(db: Path, *, users: list[dict] | None = None, log: Path | None = None, port: int | None = None,
          timeout: float = STARTUP_SECONDS, extra_args: tuple[str, ...] = ()) -> LiveServer:
    """Start `eduplan serve --db db --port <free>` on 127.0.0.1 and wait until `GET /` answers (at most `timeout`
    seconds); on failure stop it and raise LiveServerError with the server's output."""
    port = port or free_port()
    log = log or Path(db).with_suffix(".server.log")
    handle = open(log, "wb")
    process = subprocess.Popen([*eduplan_command(), "serve", "--db", str(db), "--port", str(port), *extra_args],
                               stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=_env())
    handle.close()
    server = LiveServer(url=f"http://127.0.0.1:{port}", db=Path(db), users=list(users or []), process=process, log=log)
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LiveServerError(f"`eduplan serve` exited with status {process.returncode} before answering:\n"
                                  f"{server.log_text()[-6000:]}")
        try:
            with urllib.request.urlopen(server.url + "/", timeout=max(1.0, min(30.0, deadline - time.monotonic()))) as response:
                if response.status < 500:
                    return server
                last = f"HTTP {response.status}"
        except urllib.error.HTTPError as e:
            if e.code < 500:
                return server
            last = f"HTTP {e.code}"
        except (urllib.error.URLError, OSError) as e:
            last = str(e)
        time.sleep(0.25)
    server.stop()
    raise LiveServerError(f"`eduplan serve` did not answer GET / within {timeout:.0f} s ({last}):\n"
                          f"{server.log_text()[-6000:]}")
