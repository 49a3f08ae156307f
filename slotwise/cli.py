"""The ``slotwise`` command: bootstrap, serve, migrate, manage keys and set passwords from a
shell."""

import argparse
import getpass
import json
import os
import sys

import uvicorn
from huey.consumer import Consumer
from peewee import PeeweeException
from playhouse.migrations import MigrationError

from models import ApiKey, Organization, User, db, open_database, utcnow
from models.base import UnsupportedDatabaseURL
from models.schema import migrate
from services import event_types, keys, organizations, passwords, widget_keys
from services.auth import SCOPES, Principal
from services.errors import DomainError
from services.timeutil import parse_timestamp

from . import config as configuration
from . import jobs, logs

DEMO_ORG = "Demo"
DEMO_EMAIL = "demo@example.com"


class CommandError(Exception):
    """A problem to report in one line."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not at least 1")
    return value


def _port(text: str) -> int:
    value = _positive(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a TCP port")
    return value


def _print_json(value) -> None:
    print(json.dumps(value, indent=2))


def cmd_bootstrap(args, settings):
    org, owner, raw_key = organizations.bootstrap(
        secret=settings["SECRET_KEY"],
        org_name=args.org,
        email=args.email,
        name=args.name,
        plan=args.plan,
        timezone=args.timezone,
    )
    widget_key = widget_keys.create(org.id, name="Website").key
    if args.json:
        _print_json(
            {
                "organization": {"id": org.id, "name": org.name, "slug": org.slug},
                "user": {
                    "id": owner.id,
                    "email": owner.email,
                    "name": owner.name,
                    "username": owner.username,
                },
                "apiKey": raw_key,
                "widgetKey": widget_key,
            }
        )
        return
    print(f"Organization {org.name!r} (slug {org.slug}, {org.id}) with owner {owner.email}.")
    print(f"Secret API key (shown once, store it now): {raw_key}")
    print(f"Widget key for web pages (public, any site): {widget_key}")


def _bootstrap_demo(base_url: str, secret: str) -> None:
    if Organization.select().exists():
        print("New key for an organization: slotwise keys create --org SLUG --name NAME")
        return
    org, owner, raw_key = organizations.bootstrap(
        secret=secret, org_name=DEMO_ORG, email=DEMO_EMAIL, name="Demo Owner"
    )
    widget_key = widget_keys.create(org.id, name="Website").key
    host = Principal(key_id="", user_id=owner.id, organization_id=org.id, scopes=None, mode="live")
    intro = event_types.create_event_type(
        host, {"title": "Intro call", "slug": "intro", "durationMinutes": 30}
    )
    print(f"Created the demo organization {org.slug!r} with owner {owner.email}.")
    print(f"Its secret API key (shown once, store it now): {raw_key}")
    print(f"Its widget key: {widget_key}")
    print(f"Its booking page: {base_url}/book/{org.slug}/{intro.slug}")


def _local_url(host: str, port: int) -> str:
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - naming the wildcard, not binding it
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def cmd_serve(args, settings):
    if not os.environ.get("SLOTWISE_BASE_URL"):
        # The default names port 8000; the links printed here and those the app writes
        # must name the port actually served. The environment reaches every worker.
        os.environ["SLOTWISE_BASE_URL"] = _local_url(args.host, args.port)
    base = os.environ["SLOTWISE_BASE_URL"].rstrip("/")
    if args.demo:
        _bootstrap_demo(base, settings["SECRET_KEY"])
    db.close()
    print(
        f"Docs: {base}/docs/  Interactive API: {base}/api/v1/ui/  Serving on http://{args.host}:{args.port}"
    )
    sys.stdout.flush()
    uvicorn.run(
        "slotwise.app:create_asgi_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level=args.log_level,
        log_config=logs.serve_config(args.log_level),
    )


def cmd_worker(args, settings):
    huey = jobs.build(settings)
    db.close()
    queue = "Redis" if settings["REDIS_URL"] else jobs.queue_path(settings)
    print(f"Working on the job queue ({queue}) with {args.workers} threads.")
    sys.stdout.flush()
    Consumer(huey, workers=args.workers, worker_type="thread").run()


def cmd_migrate(args, settings):
    # main() has applied any pending migration before calling this.
    for name in args.applied_migrations:
        print(f"Applied migration {name}.")
    print("Database schema is up to date.")


def _organization(slug: str) -> Organization:
    return organizations.find_by_slug(slug)


def cmd_keys_create(args, settings):
    org = _organization(args.org)
    users = User.select().where(User.organization == org)
    user = (
        users.where(User.email == args.email.strip().lower()).first()
        if args.email
        else users.where(User.role == "owner").first()
    )
    if user is None:
        raise CommandError(f"no user {args.email!r} in organization {org.slug!r}")
    try:
        expires_at = parse_timestamp(args.expires, "--expires") if args.expires else None
    except ValueError as exc:
        raise CommandError(f"--expires: {exc}") from None
    if expires_at is not None and expires_at <= utcnow():
        raise CommandError("--expires must lie in the future")
    key, raw_key = keys.issue_key(
        user,
        secret=settings["SECRET_KEY"],
        name=args.name,
        scopes=args.scope or None,
        expires_at=expires_at,
        mode="test" if args.test else "live",
    )
    if args.json:
        _print_json(
            {"id": key.id, "name": key.name, "mode": key.mode, "scopes": key.scopes, "key": raw_key}
        )
        return
    print(f"Created key {key.id} ({key.name}) for {user.email}.")
    print(f"Secret (shown once, store it now): {raw_key}")


def cmd_keys_list(args, settings):
    org = _organization(args.org)
    rows = [
        {
            "id": key.id,
            "name": key.name,
            "mode": key.mode,
            "lastFour": key.last_four,
            "scopes": key.scopes,
            "expiresAt": key.expires_at.isoformat() if key.expires_at else None,
            "revokedAt": key.revoked_at.isoformat() if key.revoked_at else None,
        }
        for key in ApiKey.visible(org.id, utcnow())
    ]
    if args.json:
        _print_json(rows)
        return
    for row in rows:
        scopes = "full access" if row["scopes"] is None else ",".join(row["scopes"])
        print(f"{row['id']}  {row['mode']:4}  ...{row['lastFour']}  {row['name']}  [{scopes}]")


def cmd_keys_revoke(args, settings):
    if not keys.revoke(args.key_id, now=utcnow()):
        raise CommandError(f"no live key with id {args.key_id!r}")
    print(f"Revoked {args.key_id}.")


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        # One line; only its line break is not part of the password.
        return sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    if not sys.stdin.isatty():
        raise CommandError("no terminal to ask for the password on: pass it with --password-stdin")
    password = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != password:
        raise CommandError("the two passwords differ; nothing was changed")
    return password


def cmd_users_set_password(args, settings):
    password = _read_password(args.password_stdin)
    user = passwords.set_password(args.email, password, organization_slug=args.org)
    print(f"Set the password of {user.email} in organization {user.organization.slug!r}.")


def build_parser() -> Parser:
    parser = Parser(prog="slotwise", description="Slotwise scheduling server.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    boot = commands.add_parser(
        "bootstrap", help="create an organization, its owner and a secret key"
    )
    boot.add_argument("--org", required=True, help="organization name")
    boot.add_argument("--email", required=True, help="the owner's e-mail address")
    boot.add_argument("--name", help="the owner's name (default: from the e-mail address)")
    boot.add_argument("--plan", default="free", choices=["free", "pro", "business"])
    boot.add_argument("--timezone", default="UTC", help="IANA time zone (default UTC)")
    boot.add_argument("--json", action="store_true", help="print one JSON object")
    boot.set_defaults(handler=cmd_bootstrap)

    serve = commands.add_parser("serve", help="serve the API, docs and widget")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes")
    serve.add_argument(
        "--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"]
    )
    serve.add_argument(
        "--demo", action="store_true", help="create a demo organization on first start"
    )
    serve.set_defaults(handler=cmd_serve)

    worker = commands.add_parser(
        "worker", help="run background jobs (webhooks, e-mails) from a shared queue"
    )
    worker.add_argument("--workers", type=_positive, default=4, help="worker threads")
    worker.set_defaults(handler=cmd_worker)

    mig = commands.add_parser("migrate", help="create or upgrade the database schema")
    mig.set_defaults(handler=cmd_migrate)

    key_commands = commands.add_parser("keys", help="manage secret API keys").add_subparsers(
        dest="keys_command", required=True, parser_class=Parser
    )
    create = key_commands.add_parser("create", help="create a secret API key")
    create.add_argument("--org", required=True, help="organization slug")
    create.add_argument("--name", required=True, help="what the key is for")
    create.add_argument("--email", help="the user the key acts as (default: the owner)")
    create.add_argument(
        "--scope",
        action="append",
        choices=SCOPES,
        help="grant a scope (repeatable; none = full access)",
    )
    create.add_argument(
        "--expires", help="expiry as ISO 8601 with offset, e.g. 2026-12-31T23:59:59Z"
    )
    create.add_argument("--test", action="store_true", help="create a test-mode key (sw_test_...)")
    create.add_argument("--json", action="store_true")
    create.set_defaults(handler=cmd_keys_create)

    listing = key_commands.add_parser("list", help="list an organization's keys")
    listing.add_argument("--org", required=True, help="organization slug")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_keys_list)

    revoke = key_commands.add_parser("revoke", help="revoke a key at once")
    revoke.add_argument("key_id", help="the key's id (key_...)")
    revoke.set_defaults(handler=cmd_keys_revoke)

    user_commands = commands.add_parser("users", help="manage users").add_subparsers(
        dest="users_command", required=True, parser_class=Parser
    )
    set_password = user_commands.add_parser(
        "set-password", help="set the password a user logs in with (POST /api/auth/login)"
    )
    set_password.add_argument("--email", required=True, help="the user's e-mail address")
    set_password.add_argument(
        "--org", help="organization slug (needed when several organizations have the address)"
    )
    set_password.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input instead of asking",
    )
    set_password.set_defaults(handler=cmd_users_set_password)
    return parser


def _fail(message: str) -> int:
    # One line whatever the message holds (an e-mail address given with a newline...).
    print("slotwise: error: " + " ".join(message.split()), file=sys.stderr)
    return 1


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = configuration.load()
        db.initialize(
            open_database(
                settings["DATABASE_URL"],
                settings["DATABASE_POOL_SIZE"],
                settings["SQLITE_SYNCHRONOUS"],
            )
        )
        args.applied_migrations = migrate()
        args.handler(args, settings)
    except DomainError as exc:
        return _fail(exc.message)
    except (CommandError, configuration.ConfigError, UnsupportedDatabaseURL, OSError) as exc:
        return _fail(str(exc))
    except (PeeweeException, MigrationError) as exc:
        return _fail(f"database: {exc}")
    finally:
        # The proxy stays unbound when the configuration was rejected.
        if db.obj is not None and not db.is_closed():
            db.close()
    return 0
