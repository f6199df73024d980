"""The clinic-chain benchmark (issue 15): seed in bulk, then measure every row of the issue's table.

    BENCH_SCALE=0.01 python bench/run.py [--database sqlite|postgres] [--label after]
                                         [--code PATH] [--seconds 10]

BENCH_SCALE=1 is 1,000,000 sealed sessions. `--code` measures another checkout of the project
(the code before a change) with this same benchmark. Prints the figures and writes them to
bench/results/<database>-<scale>-<label>.json; docs/benchmarks.md keeps them side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARSER = argparse.ArgumentParser()
PARSER.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
PARSER.add_argument("--label", default="after")
PARSER.add_argument("--code", type=Path, default=HERE.parent)
PARSER.add_argument("--seconds", type=int, default=10)
ARGS = PARSER.parse_args()
CODE = ARGS.code.resolve()
sys.path[:0] = [str(CODE), str(HERE)]

import load  # noqa: E402
import measure  # noqa: E402
import psycopg  # noqa: E402
import seed  # noqa: E402
from sqlalchemy import select  # noqa: E402

from smp_hygiene.app import create_app  # noqa: E402
from smp_hygiene.extensions import db  # noqa: E402
from smp_hygiene.models import TreatmentSession  # noqa: E402

AUDIT_VERIFY_LIMIT = 300
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
BENCH_DB = "smp_bench"


def _database_url(workdir: Path) -> str:
    if ARGS.database == "sqlite":
        return f"sqlite:///{workdir}/bench.sqlite3"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return f"postgresql://postgres@127.0.0.1:5432/{BENCH_DB}"


def _env(url: str, workdir: Path) -> dict[str, str]:
    return {
        "APP_ENV": "production",
        "SECRET_KEY": "bench",
        "DATABASE_URL": url,
        "VERIFY_RATE_LIMIT": "1000000 per second",  # the load is ours, not an attacker's
        "PUBLIC_BASE_URL": "https://verify.bench.test",
        "PYTHONPATH": str(CODE),
    }


def _audit_verify(env: dict[str, str], full: bool) -> dict:
    """`flask audit-verify` in its own process: wall time, peak RSS, and whether it passed."""
    flask = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "audit-verify"]
    helptext = subprocess.run(  # noqa: S603
        [*flask, "--help"], cwd=CODE, env={**os.environ, **env}, capture_output=True, text=True
    ).stdout
    args = flask + (["--full"] if full and "--full" in helptext else [])
    # Killed at AUDIT_VERIFY_LIMIT seconds, as in the issue: the old walk could take an hour.
    rusage = (
        "import resource,subprocess,sys\n"
        "try:\n r=subprocess.run(sys.argv[2:],capture_output=True,timeout=float(sys.argv[1]))\n"
        " code=str(r.returncode);err=r.stderr.decode()[-2000:]\n"
        "except subprocess.TimeoutExpired:\n code,err='killed',''\n"
        "print(code,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);sys.stderr.write(err)"
    )
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", rusage, str(AUDIT_VERIFY_LIMIT), *args],
        cwd=CODE,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=AUDIT_VERIFY_LIMIT + 60,
    )
    code, rss = done.stdout.split()
    return {
        "seconds": round(time.perf_counter() - start, 1),
        "peak_rss_mib": round(int(rss) / 1024),
        "passed": code == "0",
        "killed": code == "killed",
        "errors": done.stderr[-500:],
    }


def main() -> None:
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    workdir = Path(tempfile.mkdtemp(prefix="smp-bench-"))
    url = _database_url(workdir)
    env = _env(url, workdir)
    # In process: plain http, so not production's Secure cookies; gunicorn runs as production.
    app = create_app(
        {
            "APP_ENV": "test",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "VERIFY_RATE_LIMIT": env["VERIFY_RATE_LIMIT"],
            "PUBLIC_BASE_URL": env["PUBLIC_BASE_URL"],
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "localhost",
        }
    )
    app.instance_path = str(workdir)
    results: dict = {"label": ARGS.label, "database": ARGS.database, "scale": scale}
    results["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        world = seed.seed(scale)
        results["seed_seconds"] = round(time.perf_counter() - start, 1)
        results["sizes"] = world["sizes"]
        print(f"seeded {world['sizes']} in {results['seed_seconds']} s", flush=True)
        tokens = list(db.session.scalars(select(TreatmentSession.verify_token).limit(20_000)))
    random.Random(15).shuffle(tokens)
    counter = measure.Counter(app)
    results["patient"] = measure.patient_pages(app, counter, tokens[:200])
    results |= measure.trace_pages(app, counter, world)
    results |= measure.chair_requests(app, counter, world["clinic_id"])
    print(json.dumps(results, indent=1), flush=True)
    results["patient_under_gunicorn"] = load.serve_and_load(
        "wsgi:app", f"/v/{tokens[0]}", env, ARGS.seconds, cwd=CODE
    )
    results["hello_under_gunicorn"] = load.serve_and_load(
        "hello:app", "/", {**env, "PYTHONPATH": str(HERE)}, ARGS.seconds, cwd=HERE
    )
    patient, hello = results["patient_under_gunicorn"], results["hello_under_gunicorn"]
    results["patient_share_of_hello"] = round(patient["req_per_s"] / hello["req_per_s"], 3)
    results["audit_verify_full"] = _audit_verify(env, full=True)
    results["audit_verify_default"] = _audit_verify(env, full=False)
    out = HERE / "results" / f"{ARGS.database}-{scale:g}-{ARGS.label}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
