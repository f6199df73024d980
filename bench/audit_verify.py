"""`flask audit-verify` in its own process: wall time, peak RSS, and whether it passed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

LIMIT_SECONDS = 300  # killed here, as in the issue: the old walk could take an hour
FLASK = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "audit-verify"]
# Runs the command with a time limit and prints its exit code and its peak RSS (KiB).
RUSAGE = (
    "import resource,subprocess,sys\n"
    "try:\n r=subprocess.run(sys.argv[2:],capture_output=True,timeout=float(sys.argv[1]))\n"
    " code=str(r.returncode);err=r.stderr.decode()[-2000:]\n"
    "except subprocess.TimeoutExpired:\n code,err='killed',''\n"
    "print(code,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);sys.stderr.write(err)"
)


def both_modes(env: dict[str, str], code: Path) -> dict[str, Any]:
    """A `--full` walk, then one from the checkpoints it stored. Code from before `--full`
    has one mode only, a full walk: it runs once, and the second figure is None."""
    helptext = subprocess.run(  # noqa: S603
        [*FLASK, "--help"], cwd=code, env={**os.environ, **env}, capture_output=True, text=True
    ).stdout
    if "--full" not in helptext:
        return {"audit_verify_full": _run([], env, code), "audit_verify_default": None}
    return {
        "audit_verify_full": _run(["--full"], env, code),
        "audit_verify_default": _run([], env, code),
    }


def _run(options: list[str], env: dict[str, str], code: Path) -> dict[str, Any]:
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", RUSAGE, str(LIMIT_SECONDS), *FLASK, *options],
        cwd=code,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=LIMIT_SECONDS + 60,
    )
    outcome, rss = done.stdout.split()
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "peak_rss_mib": round(int(rss) / 1024),
        "passed": outcome == "0",
        "killed": outcome == "killed",
        "errors": done.stderr[-500:],
    }
