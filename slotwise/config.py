"""Configuration: defaults, then SLOTWISE_* environment variables, then explicit overrides."""

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

from limits import parse_many

from models.base import UnsupportedDatabaseURL, open_database, sqlite_path
from services.mail.transport import SmtpUrlError, parse_smtp_url

from .middleware import trusted_networks

DEFAULTS = {
    "DATABASE_URL": "sqlite:///slotwise.db",
    "SECRET_KEY": None,
    "BASE_URL": "http://127.0.0.1:8000",
    "RATELIMIT_ENABLED": True,
    # Off in production (it costs time per response); the tests turn it on.
    "VALIDATE_RESPONSES": False,
    "MAX_BODY_BYTES": 1024 * 1024,
    # PostgreSQL connections per process.
    "DATABASE_POOL_SIZE": 32,
    # Threads per web process that run requests. More threads wait on each other for
    # Python's interpreter lock: on two cores, 2 served 44 % more listings per second than
    # 10 (docs/benchmarks.md). Add processes (`serve --workers`) for more, not threads.
    "REQUEST_THREADS": 2,
    # SQLite: "full" waits for the disk at every commit; "normal" only at checkpoints, several
    # times faster to book, but the last commits may be lost if the machine (not the
    # process) crashes or loses power.
    "SQLITE_SYNCHRONOUS": "full",
    # Background jobs: a Redis queue shared by separate `slotwise worker` processes, or
    # (unset) a SQLite queue file whose consumer runs inside `slotwise serve`.
    "REDIS_URL": None,
    # None: run the consumer inside `serve` exactly when there is no Redis queue.
    "INPROCESS_WORKER": None,
    # smtp://user:pass@host:port, smtps://…, or ?starttls=1; unset: e-mails are stored, not sent.
    "SMTP_URL": None,
    "MAIL_FROM": "Slotwise <no-reply@localhost>",
    # Webhooks may target loopback and private addresses (local development and tests only).
    "WEBHOOKS_ALLOW_PRIVATE": False,
    # Waits between attempts of a webhook delivery or an e-mail, then it is given up.
    "RETRY_SECONDS": (60, 300, 1800, 7200, 21600, 43200, 86400),
    # How long a worker may hold a job before another may take it over.
    "JOB_LEASE_SECONDS": 120,
    # Proxies whose X-Forwarded-For tells the client's address: "10.0.0.1, 10.1.0.0/16".
    "TRUSTED_PROXIES": "",
    # Requests per secret key, by the organization's plan (several limits: ";").
    "RATE_LIMIT_FREE": "60/minute;1000/day",
    "RATE_LIMIT_PRO": "300/minute;10000/day",
    "RATE_LIMIT_BUSINESS": "1000/minute;100000/day",
    # Public bookings per client address, and per widget key when one is sent.
    "PUBLIC_BOOKING_LIMIT": "10/minute",
    # Failed authentications per client address, after which every attempt gets 429.
    "AUTH_FAILURE_LIMIT": "5/minute",
    # How long a process trusts a secret key it verified before looking it up again: the
    # longest a revocation made elsewhere (another process, the CLI) goes unseen. 0: never.
    "KEY_CACHE_SECONDS": 5,
}

_BOOLEAN = {"RATELIMIT_ENABLED", "VALIDATE_RESPONSES", "WEBHOOKS_ALLOW_PRIVATE", "INPROCESS_WORKER"}
_INTEGER = {
    "MAX_BODY_BYTES",
    "JOB_LEASE_SECONDS",
    "DATABASE_POOL_SIZE",
    "REQUEST_THREADS",
    "KEY_CACHE_SECONDS",
}
# Whole numbers for which 0 means "off".
_MAY_BE_ZERO = {"KEY_CACHE_SECONDS"}
_SECONDS_LIST = {"RETRY_SECONDS"}
_CHOICES = {"SQLITE_SYNCHRONOUS": ("full", "normal")}
_LIMITS = {
    "RATE_LIMIT_FREE",
    "RATE_LIMIT_PRO",
    "RATE_LIMIT_BUSINESS",
    "PUBLIC_BOOKING_LIMIT",
    "AUTH_FAILURE_LIMIT",
}


class ConfigError(ValueError):
    pass


def _parse(name: str, raw: str):
    if name in _BOOLEAN:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"SLOTWISE_{name} must be 1/true/yes/on or 0/false/no/off, not {raw!r}")
    if name in _SECONDS_LIST:
        try:
            values = tuple(float(part) for part in raw.split(","))
        except ValueError:
            raise ConfigError(
                f"SLOTWISE_{name} must be seconds separated by commas, not {raw!r}"
            ) from None
        if not values or min(values) <= 0:
            raise ConfigError(f"SLOTWISE_{name} must list positive numbers of seconds, not {raw!r}")
        return values
    if name in _INTEGER:
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"SLOTWISE_{name} must be a whole number, not {raw!r}") from None
        least = 0 if name in _MAY_BE_ZERO else 1
        if value < least:
            raise ConfigError(f"SLOTWISE_{name} must be at least {least}, not {value}")
        return value
    return raw


def load(overrides: dict | None = None, environ=os.environ) -> dict:
    """Return the effective configuration, with SECRET_KEY always set."""
    config = dict(DEFAULTS)
    for name in DEFAULTS:
        raw = environ.get("SLOTWISE_" + name)
        if raw is not None and raw != "":
            config[name] = _parse(name, raw)
    config.update(overrides or {})
    config["BASE_URL"] = config["BASE_URL"].rstrip("/")
    if config["SMTP_URL"]:
        try:
            parse_smtp_url(config["SMTP_URL"])
        except SmtpUrlError as exc:
            raise ConfigError(str(exc)) from None
    for name in _LIMITS:
        try:
            parse_many(config[name])
        except ValueError:
            raise ConfigError(
                f"SLOTWISE_{name} must read like 60/minute;1000/day, not {config[name]!r}"
            ) from None
    for name, choices in _CHOICES.items():
        if config[name] not in choices:
            raise ConfigError(
                f"SLOTWISE_{name} must be one of {', '.join(choices)}, not {config[name]!r}"
            )
    try:
        trusted_networks(config["TRUSTED_PROXIES"])
    except ValueError as exc:
        raise ConfigError(f"SLOTWISE_TRUSTED_PROXIES: {exc}") from None
    if config["INPROCESS_WORKER"] is None:
        config["INPROCESS_WORKER"] = not config["REDIS_URL"]
    try:
        # Checked before the secret, which would otherwise be looked up beside a file
        # that can never exist (``sqlite:///:memory:``) or blamed for a mistyped scheme.
        open_database(config["DATABASE_URL"])
    except UnsupportedDatabaseURL as exc:
        raise ConfigError(str(exc)) from None
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _stored_secret(config["DATABASE_URL"])
    return config


def _stored_secret(database_url: str) -> str:
    """Read, or create once, the secret kept beside the SQLite database file.

    Several databases mean several secrets; a server database has no file beside it,
    so there the operator must set SLOTWISE_SECRET_KEY (every worker needs the same one).
    """
    path = sqlite_path(database_url)
    if path is None:
        raise ConfigError("SLOTWISE_SECRET_KEY must be set when the database is not SQLite")
    secret_file = Path(path + ".secret")
    if not secret_file.parent.is_dir():
        raise ConfigError(f"The database directory {secret_file.parent} does not exist")
    if not secret_file.exists():
        # Written aside and linked into place: the link is atomic and fails if another
        # process won the race, so every process ends up reading the same secret.
        fd, temporary = tempfile.mkstemp(dir=secret_file.parent, prefix=".slotwise-secret-")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
            with contextlib.suppress(FileExistsError):
                os.link(temporary, secret_file)
        finally:
            os.unlink(temporary)
    secret = secret_file.read_text().strip()
    if not secret:
        raise ConfigError(f"{secret_file} is empty; delete it or set SLOTWISE_SECRET_KEY")
    return secret
