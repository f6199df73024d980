"""Two chairs scanning at once through real gunicorn (2 and 4 sync workers) on a SQLite file:
no 5xx.

Needs: gunicorn (requirements.txt) and a free local port; nothing else. Before WAL and
`BEGIN IMMEDIATE`, a third of such scans answered 500 "database is locked".
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db
from smp_hygiene.models import ProductKind
from tests.factories import PASSWORD, gs1_for, make_lot, make_ready_session

pytestmark = pytest.mark.server
ROOT = Path(__file__).resolve().parent.parent
THREADS_PER_CHAIR, SCANS_PER_THREAD = 2, 30
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _seed(uri: str) -> list[dict]:
    """Two technicians, each with a session in progress, and serialised cartridges to scan."""
    app = create_app({"SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        db.create_all()
        needle = make_lot(kind=ProductKind.NEEDLE_CARTRIDGE)
        chairs = []
        for chair in range(2):
            session = make_ready_session()
            barcodes = [
                gs1_for(needle, f"C{chair}T{t}N{n}")
                for t in range(THREADS_PER_CHAIR)
                for n in range(SCANS_PER_THREAD)
            ]
            chairs.append({"id": session.id, "email": session.technician.email, "raw": barcodes})
        db.session.commit()
        db.engine.dispose()
    return chairs


def _start_gunicorn(uri: str, port: int, log, workers: int = 2) -> subprocess.Popen:
    env = {"DATABASE_URL": uri, "SECRET_KEY": "load-test", "APP_ENV": "development"}
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "sync"]
    command += ["-b", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"]
    return subprocess.Popen(  # noqa: S603  our own interpreter and arguments
        command,
        cwd=ROOT,
        env={**_inherited(), **env},
        stdout=log,
        stderr=log,
    )


def _inherited() -> dict:
    return {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "VIRTUAL_ENV")}


def _wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited; see its log"
        try:
            urllib.request.urlopen(base + "/auth/login", timeout=2).close()  # noqa: S310
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail("gunicorn did not answer within 20 s")


class Chair:
    """One logged-in browser: its own cookies and CSRF token."""

    def __init__(self, base: str, email: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        token = self.csrf("/auth/login")
        status, _ = self.post("/auth/login", {"email": email, "password": PASSWORD}, token)
        assert status in (200, 302), status

    def csrf(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            found = CSRF.search(response.read().decode())
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def post(self, path: str, data: dict, token: str) -> tuple[int, bytes]:
        body = urllib.parse.urlencode({**data, "csrf_token": token}).encode()
        request = urllib.request.Request(  # noqa: S310  a local http URL we built
            self.base + path, data=body, headers={"Accept": "application/json"}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()


def _scan_all(chair: Chair, session_id: int, barcodes: list[str], statuses: Counter) -> None:
    token = chair.csrf(f"/chair/sessions/{session_id}")
    for raw in barcodes:
        status, _ = chair.post(f"/chair/sessions/{session_id}/scans", {"barcode": raw}, token)
        statuses[status] += 1
        chair.opener.open(chair.base + f"/chair/sessions/{session_id}", timeout=30).close()


@pytest.mark.parametrize("workers", [2, 4])
def test_two_chairs_scanning_through_gunicorn_workers_get_no_5xx(tmp_path, workers):
    uri = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    chairs, port = _seed(uri), _free_port()
    base, statuses = f"http://127.0.0.1:{port}", Counter()
    log = (tmp_path / "gunicorn.log").open("w")
    server = _start_gunicorn(uri, port, log, workers)
    try:
        _wait_until_up(base, server)
        threads = []
        for seat in chairs:
            chair = Chair(base, seat["email"])
            for t in range(THREADS_PER_CHAIR):
                share = seat["raw"][t * SCANS_PER_THREAD : (t + 1) * SCANS_PER_THREAD]
                args = (chair, seat["id"], share, statuses)
                threads.append(threading.Thread(target=_scan_all, args=args))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()

    print(f"gunicorn -w {workers} on SQLite: {dict(statuses)}")
    assert "database is locked" not in (tmp_path / "gunicorn.log").read_text()
    assert sum(statuses.values()) == 2 * THREADS_PER_CHAIR * SCANS_PER_THREAD
    assert not [status for status in statuses if status >= 500], statuses
    assert set(statuses) == {200}, statuses
