"""Is this instance ready for traffic: the database answers, Redis answers where it is used, and
the schema is at the newest migration (an app ahead of its database would fail on first write)."""

from __future__ import annotations

from pathlib import Path

import redis
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from smp_hygiene.extensions import db

TIMEOUT_SECONDS = 2


def check_database() -> str:
    """'ok', or what went wrong in a few words (never a connection string: it may hold a
    password)."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        return f"unreachable ({type(error).__name__})"
    return "ok"


def check_redis(storage_uri: str) -> str:
    """'ok', 'not used' (the embedded default keeps limits in memory), or why not."""
    if not storage_uri.startswith(("redis://", "rediss://", "unix://")):
        return "not used"
    try:
        client = redis.Redis.from_url(
            storage_uri, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS
        )
        client.ping()
    except redis.RedisError as error:
        return f"unreachable ({type(error).__name__})"
    return "ok"


def check_migrations(directory: Path) -> str:
    """'ok' when the database is at the newest migration, else which revision it is at."""
    head = ScriptDirectory(str(directory)).get_current_head()
    try:
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as error:
        return f"unreadable ({type(error).__name__})"
    if current == head:
        return "ok"
    return f"at {current or 'no revision'}, newest is {head}: run `flask db upgrade`"


def readiness(storage_uri: str, migrations: Path) -> dict[str, str]:
    """Every check by name; the instance is ready when none says anything but ok or not used."""
    return {
        "database": check_database(),
        "redis": check_redis(storage_uri),
        "migrations": check_migrations(migrations),
    }


def is_ready(checks: dict[str, str]) -> bool:
    return all(result in ("ok", "not used") for result in checks.values())
