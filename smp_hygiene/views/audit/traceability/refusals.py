"""How a traceability search that a rule refused is answered: on its page, or as a 400."""

from __future__ import annotations

from flask import current_app, flash
from werkzeug.exceptions import BadRequest

from smp_hygiene.errors import DomainError


def bad_request(error: DomainError):
    """An export cannot show a flash: the refusal is the 400 page, with the rule's message."""
    return current_app.handle_http_exception(BadRequest(str(error)))


def flashed(render):
    """A search page shows the refusal above an empty result, as if nothing was searched."""

    def page(error: DomainError):
        flash(str(error), "error")
        return render()

    return page
