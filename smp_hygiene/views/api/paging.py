"""Cursor pagination for every API list: newest first, `limit` rows, and `next_cursor` to ask
for the rows after them. The cursor is opaque and signed, so a client cannot forge a position;
a damaged one is a 422."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadData, URLSafeSerializer
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy import Select

from smp_hygiene.services.listing import keyset
from smp_hygiene.views.ids import MAX_ID

DEFAULT_LIMIT, MAX_LIMIT = 50, 100
_SALT = "api-cursor"
MAX_CURSOR = 200
FORGED = "Not a cursor this API gave out: start again without one."


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=_SALT)


def encode(after: int | None) -> str | None:
    return None if after is None else _serializer().dumps({"after": after})


class Cursor(fields.String):
    """The `next_cursor` of the page before; decoded to the key the next page starts after."""

    def _deserialize(self, value, attr, data, **kwargs) -> int:
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > MAX_CURSOR:
            raise ValidationError(FORGED)
        try:
            after = _serializer().loads(text)["after"]
        except (BadData, KeyError, TypeError):
            raise ValidationError(FORGED) from None
        if not isinstance(after, int) or not 1 <= after <= MAX_ID:
            raise ValidationError(FORGED)
        return after


class PageArgs(Schema):
    """`cursor` and `limit`, which every list takes."""

    cursor = Cursor(load_default=None, metadata={"maxLength": MAX_CURSOR})
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT, strict=False, validate=validate.Range(1, MAX_LIMIT)
    )


_pages: dict[type[Schema], type[Schema]] = {}


def page_of(item: type[Schema]) -> type[Schema]:
    """The schema of one page of `item`s: `items` and `next_cursor` (null on the last page)."""
    if item not in _pages:
        name = item.__name__.removesuffix("Schema") + "PageSchema"
        _pages[item] = Schema.from_dict(
            {
                "items": fields.List(fields.Nested(item), required=True),
                "next_cursor": fields.String(required=True, allow_none=True),
            },
            name=name,
        )
    return _pages[item]


def page(query: Select, key: Any, args: dict, rows=None) -> dict:
    """One page of `query` by `key` (an id column), newest first, as the page schemas expect;
    `rows` may turn the page's records into what the item schema shows."""
    found = keyset(query, key, args.get("cursor"), args["limit"])
    items = rows(found.items) if rows else found.items
    return {"items": items, "next_cursor": encode(found.after)}
