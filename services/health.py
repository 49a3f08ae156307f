"""Readiness: can the server reach what it needs?"""

import logging

from peewee import PeeweeException

from models import db

from .errors import ServiceUnavailable

logger = logging.getLogger("slotwise.health")


def database_ready() -> None:
    """Run a trivial query; raise ServiceUnavailable when the database does not answer."""
    try:
        db.execute_sql("SELECT 1").fetchone()
    except (PeeweeException, OSError) as exc:
        logger.warning("Readiness check failed: %s", exc)
        raise ServiceUnavailable(
            "The database does not answer.", code="not_ready", details={"database": "unavailable"}
        ) from None
