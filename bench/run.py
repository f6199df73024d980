"""The clinic-chain benchmark (issue 15): seed in bulk, then measure every row of the issue's table.

    BENCH_SCALE=0.01 python bench/run.py [--database sqlite|postgres] [--label after]
                                         [--code PATH] [--seconds 10]
                                         [--keep DIR [--seed-only] | --reuse DIR]

BENCH_SCALE=1 is 1,000,000 sealed sessions. `--code` measures another checkout of the project
(the code before a change) with this same benchmark. `--keep DIR` keeps the seeded database in
DIR and `--reuse DIR` measures a fresh copy of it instead of seeding (bench/seeded.py), so the
code before and after, or a repeated full-scale run, start from the same rows; `--seed-only`
stops after seeding. Prints the figures and writes them to
bench/results/<database>-<scale>-<label>.json; docs/benchmarks.md keeps them side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
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
SEEDS = PARSER.add_mutually_exclusive_group()
SEEDS.add_argument("--keep", type=Path, metavar="DIR", help="keep the seeded database in DIR")
SEEDS.add_argument("--reuse", type=Path, metavar="DIR", help="measure a copy of a kept seed")
PARSER.add_argument("--seed-only", action="store_true", help="stop after seeding")
ARGS = PARSER.parse_args()
if ARGS.seed_only and ARGS.reuse:
    PARSER.error("--seed-only seeds: it cannot reuse a seed")
CODE = ARGS.code.resolve()
sys.path[:0] = [str(CODE), str(HERE)]

import audit_verify  # noqa: E402
import load  # noqa: E402
import measure  # noqa: E402
import seed  # noqa: E402
import seeded  # noqa: E402
from flask import Flask  # noqa: E402
from sqlalchemy import select  # noqa: E402

from smp_hygiene.app import create_app  # noqa: E402
from smp_hygiene.extensions import db  # noqa: E402
from smp_hygiene.models import TreatmentSession  # noqa: E402


def _env(url: str) -> dict[str, str]:
    return {
        "APP_ENV": "production",
        "SECRET_KEY": "bench",
        "DATABASE_URL": url,
        "VERIFY_RATE_LIMIT": "1000000 per second",  # the load is ours, not an attacker's
        # As deployed (compose.yaml): limits in Redis. In memory, the limits library starts a
        # timer thread to expire counts, which alone cost the page more than its query did.
        "RATELIMIT_STORAGE_URI": os.environ.get("BENCH_RATELIMIT_URI", "redis://127.0.0.1:6379/14"),
        "PUBLIC_BASE_URL": "https://verify.bench.test",
        "PYTHONPATH": str(CODE),
    }


def _app(url: str, workdir: Path) -> Flask:
    """In process: plain http, so not production's Secure cookies; gunicorn runs as production."""
    env = _env(url)
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
    app.instance_path = str(workdir)  # the clinics' signing keys are in workdir/keys
    return app


def _seed(app: Flask, scale: float, workdir: Path) -> dict:
    """Seed an empty database; keep it first if asked. The seed's figures."""
    with app.app_context():
        db.create_all()
        start = time.perf_counter()
        world = seed.seed(scale)
        info = {"database": ARGS.database, "scale": scale, "world": world}
        info["seed_seconds"] = round(time.perf_counter() - start, 1)
        print(
            f"seeded {world['sizes']} in {info['seed_seconds']} s: {world['seconds']}", flush=True
        )
        db.session.close()
        db.engine.dispose()  # nothing may hold the database while it is copied
    if ARGS.keep:
        seeded.keep(ARGS.keep, workdir, info)
        print(f"kept in {ARGS.keep}", flush=True)
    return info


def main() -> None:
    workdir = Path(tempfile.mkdtemp(prefix="smp-bench-"))
    try:
        _run(workdir)
    finally:
        shutil.rmtree(workdir)  # a full-scale SQLite file is gigabytes: `--keep` keeps a copy


def _run(workdir: Path) -> None:
    given = os.environ.get("BENCH_SCALE")
    if ARGS.reuse:
        scale = float(given) if given else None
        url, info = seeded.restore(ARGS.reuse, ARGS.database, scale, workdir)
        app = _app(url, workdir)
    else:
        url = seeded.empty(ARGS.database, workdir)
        app = _app(url, workdir)
        info = _seed(app, float(given or "1"), workdir)
        if ARGS.seed_only:
            return
    results = _measure(app, url, info)
    out = HERE / "results" / f"{ARGS.database}-{info['scale']:g}-{ARGS.label}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, indent=1))
    print(f"written to {out}")


def _measure(app: Flask, url: str, info: dict) -> dict:
    """Every row of the issue's table, on the seeded database at `url`."""
    world, env = info["world"], _env(url)
    results: dict = {"label": ARGS.label, "database": ARGS.database, "scale": info["scale"]}
    results["machine"] = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    results |= {"seed_seconds": info["seed_seconds"], "seed_phases": world.get("seconds")}
    results["sizes"] = world["sizes"]
    results["seed_reused"] = str(ARGS.reuse) if ARGS.reuse else None
    with app.app_context():
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
    return results | audit_verify.both_modes(env, CODE)


if __name__ == "__main__":
    main()
