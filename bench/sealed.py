"""Sealed sessions, their supply uses and their audit entries, made in parallel by clinic.

Each clinic's chain is one sequence (an entry holds the hash of the one before), but clinics'
chains are independent: the clinics are split into one group per core, and each group is made
in its own forked process, while this process loads what the groups send. Ids are fixed by the
session's number (its uses are 5i+1..5i+5, its entries first+6i..first+6i+5), so each chain
still runs in id order and no process waits for another. Every seal is `sealing.sealed_content`
hashed by `sealing._sha256`, every entry `chain.entry_hash` over `chain.canonical` JSON: the
project's own functions, so `audit-verify` passes. Their datetimes are handed over as the ISO
strings `canonical` would write for them (the same JSON, without a Python call per value).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import random
import secrets
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from bulk import Loader

from smp_hygiene.services.audit import chain
from smp_hygiene.services.sessions import sealing

USES_PER_SESSION = 5
ENTRIES_PER_SESSION = USES_PER_SESSION + 1  # a use each, then the seal
BATCH = 4_000  # sessions per batch a group sends: 20,000 uses and 24,000 entries
EPOCH = datetime(2023, 1, 2, 9, 0, tzinfo=UTC)
SPAN_SECONDS = 3 * 365 * 24 * 3600

SESSION_COLUMNS = (
    "id", "clinic_id", "client_id", "technician_id", "course_number", "treated_area", "notes",
    "status", "started_at", "completed_at", "label_info_provided_at", "sealed_digest",
    "verify_token", "void_reason",
)  # fmt: skip
USE_COLUMNS = (
    "id", "session_id", "lot_id", "quantity", "used_at", "used_by_id", "raw_barcode",
    "is_hand_entry",
)  # fmt: skip
ENTRY_COLUMNS = (
    "id", "clinic_id", "at", "actor_id", "actor_label", "action", "entity_type", "entity_id",
    "before", "after", "prev_hash", "entry_hash",
)  # fmt: skip


@dataclass
class Plan:
    """What a group's process needs, read from the database before the processes start."""

    n_sessions: int
    clinics: list[int]
    techs_of: dict[int, list[int]]
    clients_of: dict[int, list[int]]
    lots_of: dict[int, list[SimpleNamespace]]  # as the seal reads them
    hot_lot: SimpleNamespace
    tails: dict[int, str]  # each clinic's last entry hash: the chains go on from there
    first_entry_id: int
    needles_of: dict[int, list[SimpleNamespace]] = field(init=False)

    def __post_init__(self) -> None:
        self.needles_of = {
            c: [lot for lot in lots if lot.is_needle] for c, lots in self.lots_of.items()
        }

    def clinic_of_session(self, i: int) -> int:
        """The flagship clinic has a fifth of all sessions; the other 19 share the rest."""
        return self.clinics[0] if i % 5 == 0 else self.clinics[1 + i % 19]


def groups(plan: Plan, count: int) -> list[set[int]]:
    """The clinics in `count` groups of about as many sessions each."""
    share = {c: 0 for c in plan.clinics}
    for i in range(100):
        share[plan.clinic_of_session(i)] += 1
    parts: list[set[int]] = [set() for _ in range(count)]
    for clinic in sorted(plan.clinics, key=lambda c: -share[c]):
        min(parts, key=lambda part: sum(share[c] for c in part)).add(clinic)
    return [part for part in parts if part]


def load_sessions(loader: Loader, plan: Plan, processes: int | None = None) -> None:
    """Make every group's rows in its own process and load them here as they come."""
    context = multiprocessing.get_context("fork")  # the children inherit the plan and the app
    parts = groups(plan, processes or os.cpu_count() or 1)
    batches: Any = context.Queue(maxsize=3 * len(parts))
    workers = [
        context.Process(target=_make, args=(plan, part, n, loader, batches), daemon=True)
        for n, part in enumerate(parts)
    ]
    for worker in workers:
        worker.start()
    try:
        done = 0
        while done < len(workers):
            batch = _next(batches, workers)
            if batch is None:
                done += 1
                continue
            for table, columns, rows in zip(
                ("treatment_session", "supply_use", "audit_entry"),
                (SESSION_COLUMNS, USE_COLUMNS, ENTRY_COLUMNS),
                batch,
                strict=True,
            ):
                loader.write(table, columns, rows)
    finally:
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
            worker.join()


def _next(batches: Any, workers: list) -> Any:
    """The next batch any group sent; a group's error is raised here, with its traceback."""
    while True:
        try:
            batch = batches.get(timeout=5)
        except queue.Empty:
            if any(w.exitcode not in (None, 0) for w in workers):
                raise RuntimeError("a seeding process died without a word") from None
            continue
        if isinstance(batch, str):
            raise RuntimeError(f"a seeding process failed:\n{batch}")
        return batch


def _make(plan: Plan, part: set[int], n: int, loader: Loader, batches: Any) -> None:
    try:
        rng, group = random.Random(15 + n), _Group(plan, loader)
        for batch in group.batches(part, rng):
            batches.put(batch)
        batches.put(None)
    except BaseException:
        batches.put(traceback.format_exc())


class _Group:
    """One group's sessions in order, each clinic's chain continued entry by entry."""

    def __init__(self, plan: Plan, loader: Loader) -> None:
        self.plan, self.ts, self.no = plan, loader.ts, loader.flag(False)
        self.prev = dict(plan.tails)
        self.labels = {t: f"tech{t}@bench.test" for ts in plan.techs_of.values() for t in ts}

    def batches(self, part: set[int], rng: random.Random) -> Iterator[tuple[list, list, list]]:
        sessions: list[tuple] = []
        uses: list[tuple] = []
        entries: list[tuple] = []
        for i in range(self.plan.n_sessions):
            if self.plan.clinic_of_session(i) not in part:
                continue
            sessions.append(self._rows(self._session(i, rng), uses, entries))
            if len(sessions) >= BATCH:
                yield sessions, uses, entries
                sessions, uses, entries = [], [], []
        if sessions:
            yield sessions, uses, entries

    def _session(self, i: int, rng: random.Random) -> SimpleNamespace:
        """Session number `i` as the seal reads it, with its five uses."""
        plan, clinic = self.plan, self.plan.clinic_of_session(i)
        started = EPOCH + timedelta(seconds=SPAN_SECONDS * i // plan.n_sessions)  # whole seconds
        hot = clinic == plan.clinics[0] and i % 10 == 0
        lots = [plan.hot_lot if hot else rng.choice(plan.needles_of[clinic])]
        lots += [rng.choice(plan.lots_of[clinic]) for _ in range(USES_PER_SESSION - 1)]
        tech = rng.choice(plan.techs_of[clinic])
        first_use = USES_PER_SESSION * i + 1
        return SimpleNamespace(
            id=i + 1,
            clinic_id=clinic,
            client_id=rng.choice(plan.clients_of[clinic]),
            technician_id=tech,
            course_number=1,
            treated_area="Brows",
            notes="",
            started_at=started.isoformat(),
            completed_at=(started + timedelta(hours=2)).isoformat(),
            label_info_provided_at=started.isoformat(),
            answers=[],
            overrides=[],
            uses=[
                _use(first_use + k, lot, tech, started + timedelta(minutes=5 + k))
                for k, lot in enumerate(lots)
            ],
        )

    def _rows(self, s: SimpleNamespace, uses: list, entries: list) -> tuple:
        """The session's row; its uses' rows and its entries (a use each, then the seal)
        appended to theirs."""
        entry_id = self.plan.first_entry_id + (s.id - 1) * ENTRIES_PER_SESSION
        for k, use in enumerate(s.uses):
            uses.append(
                (use.id, s.id, use.lot.id, 1, self.ts(use.used_at), use.used_by_id, "", self.no)
            )
            after = {"lot_id": use.lot.id, "session_id": s.id}
            entity = ("SupplyUse", use.id)
            entries.append(
                self._entry(entry_id + k, s, use.used_at, "supply_use.recorded", entity, after)
            )
        digest = sealing._sha256(sealing.sealed_content(s))
        after = {"status": "completed", "sealed_digest": digest}
        seal = ("TreatmentSession", s.id)
        entries.append(
            self._entry(entry_id + k + 1, s, s.completed_at, "session.completed", seal, after)
        )
        start, end = self.ts(s.started_at), self.ts(s.completed_at)
        return (
            s.id, s.clinic_id, s.client_id, s.technician_id, 1, "Brows", "", "completed", start,
            end, start, digest, secrets.token_urlsafe(18), "",
        )  # fmt: skip

    def _entry(
        self, entry_id: int, s: SimpleNamespace, at: str, action: str, entity: tuple, after: dict
    ) -> tuple:
        """One entry of the session's clinic's chain, hashed after the one before."""
        body = SimpleNamespace(
            clinic_id=s.clinic_id,
            prev_hash=self.prev[s.clinic_id],
            at=at,
            actor_id=s.technician_id,
            actor_label=self.labels[s.technician_id],
            action=action,
            entity_type=entity[0],
            entity_id=str(entity[1]),
            before="null",
            after=chain.canonical(after),
        )
        self.prev[s.clinic_id] = digest = chain.entry_hash(body)
        return (
            entry_id, s.clinic_id, self.ts(at), body.actor_id, body.actor_label, action,
            entity[0], body.entity_id, "null", body.after, body.prev_hash, digest,
        )  # fmt: skip


def _use(use_id: int, lot: SimpleNamespace, tech: int, used_at: datetime) -> SimpleNamespace:
    """A supply use as the seal reads it."""
    return SimpleNamespace(
        id=use_id,
        lot=lot,
        quantity=1,
        serial=None,
        used_at=used_at.isoformat(),
        used_by_id=tech,
        raw_barcode="",
        diluent_lot_id=None,
        diluent_lot=None,
        patch_test_id=None,
        patch_test=None,
        is_hand_entry=False,
    )
