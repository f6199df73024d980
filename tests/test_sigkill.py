"""SIGKILL mid-request: every scan the server acknowledged is still there after a hard kill.

Real gunicorn (2 sync workers) on a SQLite file, two threads scanning serialised cartridges over
HTTP while the whole server (master and workers) is killed with SIGKILL three times and started
again on the same database. A 200 means "recorded"; the test holds the server to that promise,
and the audit chain must come out of every kill intact.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import select

from smp_hygiene.app import create_app
from smp_hygiene.extensions import db
from smp_hygiene.models import SupplyUse
from smp_hygiene.services.audit import verifying
from tests.test_sqlite_load import ROOT, Chair, _free_port, _inherited, _seed, _wait_until_up

pytestmark = pytest.mark.server
KILLS = 3


def _start(uri: str, port: int, log) -> subprocess.Popen:
    """gunicorn in its own process group, so one killpg takes the master and its workers."""
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "sync"]
    command += ["-b", f"127.0.0.1:{port}", "--timeout", "60", "wsgi:app"]
    env = {"DATABASE_URL": uri, "SECRET_KEY": "kill-test", "APP_ENV": "development"}
    return subprocess.Popen(  # noqa: S603  our own interpreter and arguments
        command,
        cwd=ROOT,
        env={**_inherited(), **env},
        stdout=log,
        stderr=log,
        start_new_session=True,
    )


def _scan_until_done(
    chair: Chair, session_id: int, token: str, barcodes: list[str], acked: list
) -> None:
    """Post each barcode once; keep those answered 200. A dropped connection is not an answer."""
    for raw in barcodes:
        try:
            status, _ = chair.post(f"/chair/sessions/{session_id}/scans", {"barcode": raw}, token)
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)  # the server is down: this scan was never acknowledged
            continue
        assert status < 500 or status == 503, f"{raw} answered {status}"
        if status == 200:
            acked.append(raw)


def _kill_and_restart(server, uri: str, port: int, log, base: str, acked: list):
    """Kill once scans are flowing again (a busy machine may be slow to answer the first)."""
    seen, deadline = len(acked), time.monotonic() + 30
    while len(acked) < seen + 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=10)
    restarted = _start(uri, port, log)
    _wait_until_up(base, restarted)
    return restarted


def test_no_acknowledged_scan_is_lost_when_the_server_is_killed(tmp_path):
    uri = f"sqlite:///{tmp_path / 'clinic.sqlite3'}"
    seat, port = _seed(uri)[0], _free_port()
    base, acked = f"http://127.0.0.1:{port}", []
    log = (tmp_path / "gunicorn.log").open("w")
    server = _start(uri, port, log)
    try:
        _wait_until_up(base, server)
        chair = Chair(base, seat["email"])
        token = chair.csrf(f"/chair/sessions/{seat['id']}")
        half = len(seat["raw"]) // 2
        shares = [seat["raw"][:half], seat["raw"][half:]]
        threads = [
            threading.Thread(target=_scan_until_done, args=(chair, seat["id"], token, share, acked))
            for share in shares
        ]
        for thread in threads:
            thread.start()
        for _ in range(KILLS):
            server = _kill_and_restart(server, uri, port, log, base, acked)
        for thread in threads:
            thread.join(timeout=90)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        log.close()

    app = create_app({"SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": uri})
    with app.app_context():
        stored = set(db.session.scalars(select(SupplyUse.raw_barcode)))
        chains = list(verifying.verify_every_clinic())
        db.engine.dispose()
    print(f"{len(acked)} scans acknowledged across {KILLS} SIGKILLs; {len(stored)} stored")
    assert acked, "no scan was acknowledged: the test proved nothing"
    assert [raw for raw in acked if raw not in stored] == []
    assert all(report.ok for report in chains), [r.problem for r in chains if not r.ok]
