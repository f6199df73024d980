"""Throughput under gunicorn (2 sync workers) with wrk in its own process, on 127.0.0.1 only,
time-boxed; the hello-world app under the same settings in the same run gives the ceiling."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2).read()  # noqa: S310  our own 127.0.0.1
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _rss_kib(pid: int) -> int:
    """Peak RSS of a process and its children (the gunicorn workers), from /proc."""
    total = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        ppid = re.search(r"PPid:\s+(\d+)", text)
        if int(status.parent.name) == pid or (ppid and int(ppid.group(1)) == pid):
            peak = re.search(r"VmHWM:\s+(\d+)", text)
            total += int(peak.group(1)) if peak else 0
    return total


def _wrk(url: str, seconds: int, connections: int) -> float:
    if shutil.which("wrk"):
        out = subprocess.run(  # noqa: S603
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url],  # noqa: S607
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 30,
        ).stdout
        if "Non-2xx" in out:
            raise RuntimeError(f"{url} answered errors under load:\n{out}")
        return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    return _python_load(url, seconds, connections)


def _python_load(url: str, seconds: int, connections: int) -> float:
    """Without wrk: threads in a separate process, each a keep-alive loop, bounded in time."""
    script = (
        "import http.client,sys,threading,time,urllib.parse\n"
        "u=urllib.parse.urlsplit(sys.argv[1]);end=time.monotonic()+float(sys.argv[2]);n=[0]\n"
        "def run():\n c=http.client.HTTPConnection(u.hostname,u.port)\n"
        " while time.monotonic()<end:\n  c.request('GET',u.path);r=c.getresponse();r.read()\n"
        "  assert r.status==200;n[0]+=1\n"
        "ts=[threading.Thread(target=run) for _ in range(int(sys.argv[3]))]\n"
        "[t.start() for t in ts];[t.join() for t in ts];print(n[0]/float(sys.argv[2]))\n"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script, url, str(seconds), str(connections)],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    return float(out.stdout.strip())


def serve_and_load(
    app_spec: str, path: str, env: dict[str, str], seconds: int, cwd: Path = ROOT
) -> dict:
    """Start gunicorn on `app_spec`, warm `path` up, load it, stop; req/s and server RSS."""
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [
            str(VENV_BIN / "gunicorn"),
            # The project's own settings (its access log too) for both apps, 2 sync workers.
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--chdir",
            str(cwd),
            "--workers",
            "2",
            "--worker-class",
            "sync",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app_spec,
        ],
        cwd=cwd,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}{path}"
        _wait(url)
        for _ in range(20):
            urllib.request.urlopen(url, timeout=5).read()  # noqa: S310  our own 127.0.0.1
        rate = _wrk(url, seconds, connections=8)
        return {"req_per_s": round(rate), "server_peak_rss_mib": round(_rss_kib(server.pid) / 1024)}
    finally:
        server.terminate()
        server.wait(timeout=30)
