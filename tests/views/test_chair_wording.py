"""What the technician and auditor read about a scanned pack or lot: words, not field values."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from smp_hygiene.extensions import db
from smp_hygiene.models import CycleStatus, ProductKind, Role, User
from smp_hygiene.timeutil import utcnow
from tests import factories as f

JSON = {"Accept": "application/json"}


def _released_cycle(expires_on: date | None = None, **fields):
    cycle = f.make_cycle(
        f.make_steriliser(),
        status=CycleStatus.RELEASED,
        started_at=utcnow() - timedelta(days=1),
        **fields,
    )
    f.make_spore_test(cycle, read_at=utcnow() - timedelta(hours=2))
    cycle.packs[0].expires_on = expires_on
    return cycle


@pytest.fixture
def screen(app, login):
    """A technician's open session; returns (session id, a scan for a pack and a lot)."""
    email = login(Role.TECHNICIAN)
    with app.app_context():
        tech = db.session.query(User).filter_by(email=email).one()
        session = f.make_ready_session(technician=tech, client=f.make_consenting_client())
        open_pack = _released_cycle(cycle_number=1000).packs[0]
        dated_pack = _released_cycle(expires_on=date(2031, 4, 30)).packs[0]
        lot = f.make_lot(kind=ProductKind.NEEDLE_CARTRIDGE, received_by=tech, lot_number="CX-9")
        db.session.commit()
        return {
            "id": session.id,
            "open_pack": f"SMPH-PACK:{open_pack.code}",
            "dated_pack": f"SMPH-PACK:{dated_pack.code}",
            "lot": f.gs1_for(lot, serial="S1"),
            "expiry": lot.expiry_date.isoformat(),
        }


def _scan(client, screen, raw: str) -> dict:
    response = client.post(
        f"/chair/sessions/{screen['id']}/scans", data={"barcode": raw}, headers=JSON
    )
    assert response.status_code == 200, response.json
    return response.json["use"]


def test_a_pack_without_a_date_reads_as_good_until_opened(client, screen):
    use = _scan(client, screen, screen["open_pack"])

    assert use["summary"].endswith("from cycle 1000, good until opened, wet or torn")
    assert "from cycle 1000" in use["detail"]
    assert "event-related" not in str(use)
    assert "lot cycle" not in f"lot {use['lot']}"


def test_a_pack_with_a_date_reads_as_use_by(client, screen):
    use = _scan(client, screen, screen["dated_pack"])

    assert use["summary"].endswith(", use by 2031-04-30")


def test_a_lot_reads_with_its_lot_expiry_and_serial(client, screen):
    use = _scan(client, screen, screen["lot"])

    assert use["detail"] == f"Needle cartridge · lot CX-9 · expires {screen['expiry']} · serial S1"
    assert use["summary"] == f"lot CX-9, expires {screen['expiry']}"


def test_the_session_screen_says_which_cycle_a_pack_came_from(client, screen):
    _scan(client, screen, screen["open_pack"])

    page = client.get(f"/chair/sessions/{screen['id']}").get_data(as_text=True)

    assert "from cycle 1000" in page


def test_the_auditors_cycle_page_and_pack_label_speak_plainly(app, client, login):
    with app.app_context():
        cycle = _released_cycle()
        db.session.commit()
        cycle_id, pack_id = cycle.id, cycle.packs[0].id
    login(Role.AUDITOR)

    pages = [
        client.get(f"/audit/sterilisation/cycles/{cycle_id}").get_data(as_text=True),
        client.get(f"/audit/sterilisation/cycles/{cycle_id}/packs.csv").get_data(as_text=True),
    ]
    label = client.get(f"/audit/sterilisation/packs/{pack_id}/label").get_data(as_text=True)

    assert all("good until opened, wet or torn" in page for page in pages)
    assert "Good until opened, wet or torn" in label  # the same words as the cycle page
    assert "event" not in label.lower()
    assert not any("event-related" in page.lower() for page in [*pages, label])
