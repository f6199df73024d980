"""The model base class and the column types shared by every model."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from smp_hygiene.extensions import Base, db

if TYPE_CHECKING:
    # mypy cannot see through Flask-SQLAlchemy's generated db.Model; it is a subclass of Base.
    class Model(Base):
        __abstract__ = True
else:
    Model = db.Model


class UTCDateTime(TypeDecorator):
    """Store UTC, hand back aware datetimes on every backend (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the app stores aware UTC only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_type(enum_class: type[enum.Enum]) -> sa.Enum:
    """Enums are stored as their string values, so both backends and raw SQL read alike."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )
