"""Adverse reactions (DOMAIN R7, R24): reporting one against a session, and the notice to the
health department."""

from __future__ import annotations

from flask_login import current_user
from marshmallow import Schema, fields

from smp_hygiene.models import AdverseReaction, ReactionSeverity, ReactionStatus, TreatmentSession
from smp_hygiene.services.people.permissions import AUDIT_ROLES, CHAIR_ROLES
from smp_hygiene.services.reactions import operations as reactions
from smp_hygiene.services.reactions import queries
from smp_hygiene.views.api.blueprint import bp
from smp_hygiene.views.api.fields import Id, Moment, Text
from smp_hygiene.views.api.paging import PageArgs, page, page_of
from smp_hygiene.views.api.tokens import allow
from smp_hygiene.views.api.writes import write
from smp_hygiene.views.loading import own_or_404

TAGS = ["reactions"]


class ReactionSchema(Schema):
    id = fields.Integer(required=True)
    session_id = fields.Integer(required=True)
    client_id = fields.Integer(required=True, attribute="session.client_id")
    reported_by_id = fields.Integer(required=True)
    reported_at = fields.AwareDateTime(required=True)
    onset_at = fields.AwareDateTime(required=True)
    signs = fields.String(required=True)
    severity = fields.Enum(ReactionSeverity, by_value=True, required=True)
    actions_taken = fields.String(required=True)
    status = fields.Enum(ReactionStatus, by_value=True, required=True)
    reported_to_authority_at = fields.AwareDateTime(required=True, allow_none=True)
    authority_reference = fields.String(required=True)


class NewReactionSchema(Schema):
    session_id = Id(required=True)
    onset_at = Moment(required=True)
    reported_at = Moment(
        load_default=None,
        allow_none=True,
        metadata={"description": "When the clinic learned of it; now if empty."},
    )
    severity = fields.Enum(ReactionSeverity, by_value=True, required=True)
    signs = Text(5000, min_length=1, required=True)
    actions_taken = Text(5000, load_default="")


class NoticeSchema(Schema):
    sent_at = Moment(required=True)
    reference = Text(100, min_length=1, required=True)


@bp.get("/reactions", tags=TAGS)
@allow(AUDIT_ROLES)
@bp.arguments(PageArgs, location="query")
@bp.response(200, page_of(ReactionSchema))
def list_reactions(args: dict):
    """The clinic's reactions, newest first."""
    return page(queries.reactions_query(current_user.clinic), AdverseReaction.id, args)


@bp.get("/reactions/<int:reaction_id>", tags=TAGS)
@allow(AUDIT_ROLES)
@bp.response(200, ReactionSchema)
def get_reaction(reaction_id: int):
    """One reaction and whether its health-department notice was sent."""
    return own_or_404(AdverseReaction, reaction_id)


@bp.post("/reactions", tags=TAGS)
@allow(CHAIR_ROLES | AUDIT_ROLES)
@write
@bp.arguments(NewReactionSchema)
@bp.response(201, ReactionSchema)
def log_reaction(data: dict):
    """Log a reaction against a session of the clinic; technicians, auditors and admins may."""
    session = own_or_404(TreatmentSession, data.pop("session_id"))
    return reactions.log_reaction(session, current_user, reactions.ReactionInput(**data))


@bp.post("/reactions/<int:reaction_id>/notice", tags=TAGS)
@allow(AUDIT_ROLES)
@write
@bp.arguments(NoticeSchema)
@bp.response(200, ReactionSchema)
def record_notice(data: dict, reaction_id: int):
    """Record the notice sent to the health department, with its reference."""
    reaction = own_or_404(AdverseReaction, reaction_id)
    reactions.record_authority_notice(reaction, current_user, data["sent_at"], data["reference"])
    return reaction
