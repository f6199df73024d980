"""Sterilisation: the steriliser registry, each load (cycle) with its packs, and spore tests,
so an autoclave's data logger can post its cycles as they run (DOMAIN R13-R19)."""

from __future__ import annotations

from flask_login import current_user

from smp_hygiene.errors import InvalidInput
from smp_hygiene.models import BiologicalIndicatorTest, Steriliser, SteriliserCycle, User
from smp_hygiene.services.people.permissions import AUDIT_ROLES
from smp_hygiene.services.sterilisation import cycle_release, spore_tests
from smp_hygiene.services.sterilisation import sterilisers as sterilisation
from smp_hygiene.views.api.blueprint import bp
from smp_hygiene.views.api.paging import PageArgs, page, page_of
from smp_hygiene.views.api.sterilisation_schemas import (
    CycleQuery,
    CycleSchema,
    NewCycleSchema,
    NewSporeTestSchema,
    SporeTestSchema,
    SteriliserSchema,
)
from smp_hygiene.views.api.tokens import allow
from smp_hygiene.views.api.writes import write
from smp_hygiene.views.audit.sterilisation.loading import own_cycle, own_spore_test
from smp_hygiene.views.loading import own_or_404

TAGS = ["sterilisation"]


def operator(user_id: int | None) -> User:
    """Who ran the load: the caller, or an active login of the clinic."""
    if user_id is None:
        return current_user
    found = own_or_404(User, user_id)
    if not found.is_active_user:
        raise InvalidInput(f"{found.name}'s login is deactivated: name who ran the load.")
    return found


@bp.get("/sterilisers", tags=TAGS)
@allow(AUDIT_ROLES)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(SteriliserSchema))
def list_sterilisers(args: dict):
    """The clinic's sterilisers, newest first, with their state."""
    return page(sterilisation.sterilisers_query(current_user.clinic), Steriliser.id, args)


@bp.get("/cycles", tags=TAGS)
@allow(AUDIT_ROLES)
@bp.arguments(CycleQuery, location="query")
@bp.response(200, page_of(CycleSchema))
def list_cycles(args: dict):
    """The clinic's loads, newest first, or one steriliser's."""
    query = sterilisation.cycles_query(current_user.clinic, args["steriliser_id"])
    return page(query, SteriliserCycle.id, args)


@bp.get("/cycles/<int:cycle_id>", tags=TAGS)
@allow(AUDIT_ROLES)
@bp.response(200, CycleSchema)
def get_cycle(cycle_id: int):
    """One load with its packs and status."""
    return own_cycle(cycle_id)


@bp.post("/sterilisers/<int:steriliser_id>/cycles", tags=TAGS)
@allow(AUDIT_ROLES)
@write
@bp.arguments(NewCycleSchema)
@bp.response(201, CycleSchema)
def record_cycle(data: dict, steriliser_id: int):
    """Log one load as the printout or logger reports it, with a labelled pack per item; a
    cycle number already logged for this steriliser is refused (409)."""
    steriliser = own_or_404(Steriliser, steriliser_id)
    packs, ran_by = data.pop("packs"), operator(data.pop("operator_id"))
    reading = sterilisation.CycleReading(**data)
    return sterilisation.record_cycle(steriliser, reading, ran_by, current_user, packs)


@bp.post("/cycles/<int:cycle_id>/release", tags=TAGS)
@allow(AUDIT_ROLES)
@write
@bp.response(200, CycleSchema)
def release_cycle(cycle_id: int):
    """Release a load for use once every check it needs has passed; otherwise say which."""
    cycle = own_cycle(cycle_id)
    cycle_release.release_cycle(cycle, current_user)
    return cycle


@bp.get("/spore-tests", tags=TAGS)
@allow(AUDIT_ROLES)
@bp.arguments(CycleQuery, location="query")
@bp.response(200, page_of(SporeTestSchema))
def list_spore_tests(args: dict):
    """The clinic's spore tests, newest first, or one steriliser's."""
    query = spore_tests.spore_tests_query(current_user.clinic, args["steriliser_id"])
    return page(query, BiologicalIndicatorTest.id, args)


@bp.get("/spore-tests/<int:test_id>", tags=TAGS)
@allow(AUDIT_ROLES)
@bp.response(200, SporeTestSchema)
def get_spore_test(test_id: int):
    """One spore test and, if positive, whether the health authority was told."""
    return own_spore_test(test_id)


@bp.post("/spore-tests", tags=TAGS)
@allow(AUDIT_ROLES)
@write
@bp.arguments(NewSporeTestSchema)
@bp.response(201, SporeTestSchema)
def record_spore_test(data: dict):
    """Record a read spore test; a positive one takes its steriliser out of service and
    quarantines every load since the last negative test, used packs included."""
    cycle = own_cycle(data.pop("cycle_id"))
    return spore_tests.record_spore_test(cycle, current_user, **data)
