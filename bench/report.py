"""Results side by side as a Markdown table, for docs/benchmarks.md.

python bench/report.py bench/results/sqlite-0.05-before.json bench/results/sqlite-0.05-after.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _verify(row: dict | None) -> str:
    if row is None:
        return "one mode only: the row above"
    if row.get("killed"):
        return f"killed at {row['seconds']:.0f} s, peak RSS {row['peak_rss_mib']} MiB"
    verdict = "passed" if row["passed"] else "FAILED"
    return f"{row['seconds']} s, peak RSS {row['peak_rss_mib']} MiB, {verdict}"


def _timing(row: dict | None) -> str:
    if not row:
        return "–"
    return f"{row['p50']} / {row['p95']} / {row['p99']} ms, {row['queries']} q"


def _seeding(r: dict) -> str:
    reused = " (the same seed, kept and reused)" if r.get("seed_reused") else ""
    return f"{r['seed_seconds']} s{reused}"


def _rows(r: dict) -> list[tuple[str, str]]:
    patient = r["patient"]
    gunicorn, hello = r["patient_under_gunicorn"], r["hello_under_gunicorn"]
    full, default = r["audit_verify_full"], r["audit_verify_default"]
    return [
        ("patient page, kept (p50/p95/p99, queries)", _timing(patient["page"]["kept"])),
        ("patient page, first view", _timing(patient["page"]["first"])),
        (
            "patient page under gunicorn: req/s, share of hello-world",
            f"{gunicorn['req_per_s']} of {hello['req_per_s']} = {r['patient_share_of_hello']:.1%}",
        ),
        ("server peak RSS (master + 2 workers)", f"{gunicorn['server_peak_rss_mib']} MiB"),
        ("QR PNG, kept", _timing(patient["qr_png"]["kept"])),
        ("QR SVG, kept", _timing(patient["qr_svg"]["kept"])),
        ("record PDF, kept", _timing(patient["pdf"]["kept"])),
        ("record PDF, first", _timing(patient["pdf"]["first"])),
        ("trace by lot, worst lot, first page", _timing(r["trace_lot_worst_first_page"])),
        ("trace by lot, worst lot, page 5", _timing(r["trace_lot_worst_page_5"])),
        ("trace by client", _timing(r["trace_client"])),
        ("scan", _timing(r["scan"])),
        ("complete a session", _timing(r["complete"])),
        ("chair session page", _timing(r["chair_session_page"])),
        ("audit-verify --full (before: its only mode)", _verify(full)),
        ("audit-verify (after: from the last checkpoint)", _verify(default)),
        ("seeding", _seeding(r)),
    ]


def main(paths: list[str]) -> None:
    results = [json.loads(Path(p).read_text()) for p in paths]
    header = " | ".join(f"{r['label']} ({r['database']}, scale {r['scale']:g})" for r in results)
    print(f"| measure | {header} |")
    print("|---" * (len(results) + 1) + "|")
    columns = [_rows(r) for r in results]
    for i, (name, _) in enumerate(columns[0]):
        print(f"| {name} | " + " | ".join(col[i][1] for col in columns) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
