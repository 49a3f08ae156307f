"""Liveness and readiness probes."""

from services.health import database_ready


def healthz():
    """Report that the process is up."""
    return {"status": "ok"}, 200


def readyz():
    """Report whether the database answers."""
    database_ready()
    return {"status": "ok", "checks": {"database": "ok"}}, 200
