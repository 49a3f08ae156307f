"""The ``slotwise`` console script, run as a real subprocess against a temporary database."""

import json
import os
import pty
import re
import select
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from models import ApiKey, Organization, Schedule, User, db, open_database, utcnow
from servers import SLOTWISE, cli_env, get, serving
from services import logins, widget_keys
from services.auth import authenticate
from services.errors import AuthenticationFailed
from slotwise import config

LIVE_KEY = re.compile(r"sw_live_[A-Za-z0-9]{32,}")


def run_slotwise(
    *args: str, database_url: str, cwd: Path, stdin: str | None = None, **variables: str
):
    assert SLOTWISE, "the slotwise console script is not installed"
    return subprocess.run(
        [SLOTWISE, *args],
        env=cli_env(database_url, **variables),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def database_url(sqlite_url):
    """The command line's own database: a SQLite file beside its stored secret."""
    return sqlite_url


@pytest.fixture
def slotwise(database_url, tmp_path):
    """Run the console script on the test's database: ``slotwise("bootstrap", ...)``."""

    def run(*args: str, stdin: str | None = None, **variables: str):
        return run_slotwise(
            *args, database_url=database_url, cwd=tmp_path, stdin=stdin, **variables
        )

    return run


def succeed(result) -> str:
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def bootstrap_json(slotwise, *args: str) -> dict:
    return json.loads(succeed(slotwise("bootstrap", *args, "--json")))


@pytest.fixture
def bound(database_url):
    """The process-wide database proxy bound to the test's database, to look at what the CLI did."""
    db.initialize(open_database(database_url))
    yield db
    if not db.is_closed():
        db.close()


def stored_secret(database_url: str) -> str:
    return config.load({"DATABASE_URL": database_url}, environ={})["SECRET_KEY"]


def principal_of(raw_key: str, database_url: str):
    with db.connection_context():
        return authenticate(raw_key, secret=stored_secret(database_url), now=utcnow())


# bootstrap


def test_bootstrap_json_prints_exactly_one_object(slotwise):
    printed = bootstrap_json(
        slotwise, "--org", "Acme Inc", "--email", "Ada@Acme.example", "--name", "Ada Lovelace"
    )

    assert set(printed) == {"organization", "user", "apiKey", "widgetKey"}
    assert set(printed["organization"]) == {"id", "name", "slug"}
    assert printed["organization"]["id"].startswith("org_")
    assert printed["organization"]["name"] == "Acme Inc"
    assert printed["organization"]["slug"] == "acme-inc"
    assert set(printed["user"]) == {"id", "email", "name", "username"}
    assert printed["user"]["id"].startswith("usr_")
    assert printed["user"]["email"] == "ada@acme.example"
    assert printed["user"]["name"] == "Ada Lovelace"
    assert printed["user"]["username"] == "ada"
    assert LIVE_KEY.fullmatch(printed["apiKey"])
    assert re.fullmatch(r"sw_pub_[A-Za-z0-9]{32}", printed["widgetKey"])


def test_bootstrap_widget_key_works_on_any_site_for_every_event_type(slotwise, bound):
    printed = bootstrap_json(slotwise, "--org", "Acme", "--email", "ada@acme.example")

    with db.connection_context():
        principal = widget_keys.authenticate(printed["widgetKey"], "https://anywhere.example")
    assert principal.organization_id == printed["organization"]["id"]
    assert principal.event_type_ids is None


def test_bootstrap_key_authenticates_as_the_new_owner(slotwise, database_url, bound):
    printed = bootstrap_json(slotwise, "--org", "Acme", "--email", "ada@acme.example")

    principal = principal_of(printed["apiKey"], database_url)

    assert principal.organization_id == printed["organization"]["id"]
    assert principal.user_id == printed["user"]["id"]
    assert principal.full_access
    assert principal.mode == "live"


def test_bootstrap_creates_owner_and_weekday_schedule_in_the_org_time_zone(slotwise, bound):
    printed = bootstrap_json(
        slotwise,
        *("--org", "Acme", "--email", "ada@acme.example"),
        *("--plan", "pro", "--timezone", "Europe/Berlin"),
    )

    with db.connection_context():
        org = Organization.get_by_id(printed["organization"]["id"])
        owner = User.get_by_id(printed["user"]["id"])
        schedules = list(Schedule.select().where(Schedule.organization == org))
    assert (org.plan, org.timezone) == ("pro", "Europe/Berlin")
    assert (owner.role, owner.timezone, owner.organization_id) == ("owner", "Europe/Berlin", org.id)
    assert len(schedules) == 1
    assert schedules[0].is_default
    assert schedules[0].owner_id == owner.id
    assert schedules[0].timezone == "Europe/Berlin"
    assert schedules[0].rules == [
        {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}
    ]
    assert schedules[0].overrides == []


def test_bootstrap_defaults_to_utc_the_free_plan_and_a_name_from_the_email(slotwise, bound):
    printed = bootstrap_json(slotwise, "--org", "Acme", "--email", "grace@acme.example")

    with db.connection_context():
        org = Organization.get_by_id(printed["organization"]["id"])
        schedule = Schedule.get(Schedule.organization == org)
    assert (org.plan, org.timezone, schedule.timezone) == ("free", "UTC", "UTC")
    assert printed["user"]["name"] == "grace"


def test_bootstrap_again_with_another_name_creates_another_organization(
    slotwise, database_url, bound
):
    first = bootstrap_json(slotwise, "--org", "Acme", "--email", "ada@acme.example")
    second = bootstrap_json(slotwise, "--org", "Globex", "--email", "hank@globex.example")

    assert second["organization"]["id"] != first["organization"]["id"]
    assert (first["organization"]["slug"], second["organization"]["slug"]) == ("acme", "globex")
    assert (
        principal_of(second["apiKey"], database_url).organization_id
        == (second["organization"]["id"])
    )
    with db.connection_context():
        assert Organization.select().count() == 2


def test_bootstrap_with_the_same_name_again_gets_a_distinct_slug(slotwise):
    first = bootstrap_json(slotwise, "--org", "Acme", "--email", "ada@acme.example")
    second = bootstrap_json(slotwise, "--org", "Acme", "--email", "ada@acme.example")

    assert second["organization"]["id"] != first["organization"]["id"]
    assert first["organization"]["slug"] == "acme"
    assert second["organization"]["slug"] == "acme-2"
    assert second["user"]["username"] != first["user"]["username"]


def test_bootstrap_without_json_prints_the_slug_and_the_key_once(slotwise):
    out = succeed(slotwise("bootstrap", "--org", "Acme", "--email", "ada@acme.example"))

    assert "acme" in out
    assert len(LIVE_KEY.findall(out)) == 1


def test_bootstrap_never_prints_the_stored_secret(slotwise, database_url):
    result = slotwise("bootstrap", "--org", "Acme", "--email", "ada@acme.example", "--json")
    succeed(result)

    secret = stored_secret(database_url)
    assert secret not in result.stdout
    assert secret not in result.stderr


def test_bootstrap_never_prints_a_secret_from_the_environment(slotwise):
    secret = "env-secret-that-must-stay-hidden"
    result = slotwise(
        "bootstrap", "--org", "Acme", "--email", "ada@acme.example", SECRET_KEY=secret
    )

    succeed(result)
    assert secret not in result.stdout
    assert secret not in result.stderr


# Bad input: one line on stderr, nothing on stdout, a non-zero exit.

EXISTING_ORG = "acme"
EXPIRES_IN_PAST = ("--expires", "2020-01-01T00:00:00Z")
EXPIRES_WITHOUT_OFFSET = ("--expires", "2099-01-01T00:00:00")

BAD_INPUT = {
    "unknown time zone": (
        ["bootstrap", "--org", "X", "--email", "x@x.example", "--timezone", "Mars/Olympus"],
        {},
        "Mars/Olympus",
    ),
    "bad email": (["bootstrap", "--org", "X", "--email", "not-an-email"], {}, "not-an-email"),
    "email with a newline": (
        ["bootstrap", "--org", "X", "--email", "x\ny@x.example"],
        {},
        "e-mail",
    ),
    "empty org name": (["bootstrap", "--org", "  ", "--email", "x@x.example"], {}, "empty"),
    "unknown plan": (
        ["bootstrap", "--org", "X", "--email", "x@x.example", "--plan", "enterprise"],
        {},
        "enterprise",
    ),
    "missing --org": (["bootstrap", "--email", "x@x.example"], {}, "--org"),
    "port 0": (["serve", "--port", "0"], {}, "--port"),
    "port too large": (["serve", "--port", "65536"], {}, "--port"),
    "port not a number": (["serve", "--port", "http"], {}, "--port"),
    "workers 0": (["serve", "--workers", "0"], {}, "--workers"),
    "unknown subcommand": (["frobnicate"], {}, "frobnicate"),
    "no subcommand": ([], {}, "required"),
    "keys without subcommand": (["keys"], {}, "required"),
    "revoke unknown key": (["keys", "revoke", "key_doesnotexist"], {}, "key_doesnotexist"),
    "create key for unknown org": (
        ["keys", "create", "--org", "nowhere", "--name", "ci"],
        {},
        "nowhere",
    ),
    "list keys of unknown org": (["keys", "list", "--org", "nowhere"], {}, "nowhere"),
    "create key for unknown user": (
        ["keys", "create", "--org", EXISTING_ORG, "--name", "ci", "--email", "eve@x.example"],
        {},
        "eve@x.example",
    ),
    "unknown scope": (
        ["keys", "create", "--org", EXISTING_ORG, "--name", "ci", "--scope", "everything"],
        {},
        "everything",
    ),
    "expiry in the past": (
        ["keys", "create", "--org", EXISTING_ORG, "--name", "ci", *EXPIRES_IN_PAST],
        {},
        "future",
    ),
    "malformed expiry": (
        ["keys", "create", "--org", EXISTING_ORG, "--name", "ci", "--expires", "next tuesday"],
        {},
        "--expires",
    ),
    "expiry without offset": (
        ["keys", "create", "--org", EXISTING_ORG, "--name", "ci", *EXPIRES_WITHOUT_OFFSET],
        {},
        "offset",
    ),
    "mysql database": (["migrate"], {"DATABASE_URL": "mysql://u@localhost/slotwise"}, "mysql"),
    "in-memory sqlite": (["migrate"], {"DATABASE_URL": "sqlite:///:memory:"}, "file path"),
    "missing database directory": (
        ["migrate"],
        {"DATABASE_URL": "sqlite:////nonexistent-slotwise-dir/x.db"},
        "does not exist",
    ),
    "postgres without a secret": (
        ["migrate"],
        {"DATABASE_URL": "postgresql://slotwise@127.0.0.1:1/slotwise"},
        "SLOTWISE_SECRET_KEY",
    ),
    "unreachable postgres": (
        ["migrate"],
        {"DATABASE_URL": "postgresql://slotwise@127.0.0.1:1/slotwise", "SECRET_KEY": "s"},
        "database",
    ),
    "rate limit maybe": (["migrate"], {"RATELIMIT_ENABLED": "maybe"}, "SLOTWISE_RATELIMIT_ENABLED"),
    "body limit not a number": (["migrate"], {"MAX_BODY_BYTES": "lots"}, "SLOTWISE_MAX_BODY_BYTES"),
}


@pytest.fixture(scope="module")
def populated(tmp_path_factory):
    """A database holding the organization 'acme', shared by the bad-input cases (none writes)."""
    directory = tmp_path_factory.mktemp("populated")
    url = f"sqlite:///{directory}/slotwise.db"
    result = run_slotwise(
        "bootstrap", "--org", "Acme", "--email", "ada@acme.example", database_url=url, cwd=directory
    )
    succeed(result)
    return url, directory


@pytest.mark.parametrize(("args", "variables", "mention"), BAD_INPUT.values(), ids=BAD_INPUT)
def test_bad_input_gives_one_line_error_and_nonzero_exit(populated, args, variables, mention):
    url, directory = populated
    variables = dict(variables)
    database_url = variables.pop("DATABASE_URL", url)

    result = run_slotwise(*args, database_url=database_url, cwd=directory, **variables)

    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("slotwise")
    assert "error" in lines[0]
    assert mention in lines[0]
    assert result.stdout == ""


def test_rejected_bootstrap_creates_nothing(slotwise, bound):
    result = slotwise("bootstrap", "--org", "X", "--email", "x@x.example", "--timezone", "Nowhere")

    assert result.returncode != 0
    with db.connection_context():
        assert Organization.select().count() == 0
        assert User.select().count() == 0


def test_rejected_database_url_leaves_no_secret_file_behind(tmp_path):
    result = run_slotwise("migrate", database_url="sqlite:///:memory:", cwd=tmp_path)

    assert result.returncode != 0
    assert list(tmp_path.iterdir()) == []


# keys


@pytest.fixture
def acme(slotwise):
    return bootstrap_json(slotwise, "--org", "Acme", "--email", "ada@acme.example")


def create_key(slotwise, *args: str) -> dict:
    return json.loads(succeed(slotwise("keys", "create", "--org", "acme", *args, "--json")))


def list_keys(slotwise) -> list[dict]:
    return json.loads(succeed(slotwise("keys", "list", "--org", "acme", "--json")))


def test_keys_create_issues_a_live_key_that_authenticates(slotwise, acme, database_url, bound):
    created = create_key(slotwise, "--name", "CI deploys")

    assert created["id"].startswith("key_")
    assert created["name"] == "CI deploys"
    assert created["mode"] == "live"
    assert created["scopes"] is None
    assert LIVE_KEY.fullmatch(created["key"])
    principal = principal_of(created["key"], database_url)
    assert principal.key_id == created["id"]
    assert principal.user_id == acme["user"]["id"]


def test_keys_create_with_test_flag_gives_a_sw_test_key(slotwise, acme, database_url, bound):
    created = create_key(slotwise, "--name", "sandbox", "--test")

    assert created["key"].startswith("sw_test_")
    assert created["mode"] == "test"
    assert principal_of(created["key"], database_url).mode == "test"


def test_keys_create_stores_the_scopes(slotwise, acme, database_url, bound):
    created = create_key(
        slotwise, "--name", "reader", "--scope", "contacts:read", "--scope", "bookings:read"
    )

    assert created["scopes"] == ["bookings:read", "contacts:read"]
    principal = principal_of(created["key"], database_url)
    assert principal.scopes == ("bookings:read", "contacts:read")
    assert not principal.has_scope("bookings:write")
    with db.connection_context():
        assert ApiKey.get_by_id(created["id"]).scopes == ["bookings:read", "contacts:read"]


def test_keys_create_with_expiry_stores_it(slotwise, acme, bound):
    created = create_key(slotwise, "--name", "temporary", "--expires", "2099-06-30T12:00:00+02:00")

    with db.connection_context():
        assert ApiKey.get_by_id(created["id"]).expires_at == datetime(2099, 6, 30, 10, tzinfo=UTC)
    listed = {row["id"]: row for row in list_keys(slotwise)}
    assert listed[created["id"]]["expiresAt"].startswith("2099-06-30T10:00:00")


def test_keys_create_finds_the_user_by_email_in_any_case(slotwise, acme, database_url, bound):
    created = create_key(slotwise, "--name", "mine", "--email", " ADA@acme.example ")

    assert principal_of(created["key"], database_url).user_id == acme["user"]["id"]


def test_keys_list_shows_every_live_key_without_its_secret(slotwise, acme):
    created = create_key(slotwise, "--name", "CI deploys", "--scope", "bookings:read")

    result = slotwise("keys", "list", "--org", "acme", "--json")
    rows = json.loads(succeed(result))

    assert [row["name"] for row in rows] == ["CI deploys", "Bootstrap key"]
    assert rows[0] == {
        "id": created["id"],
        "name": "CI deploys",
        "mode": "live",
        "lastFour": created["key"][-4:],
        "scopes": ["bookings:read"],
        "expiresAt": None,
        "revokedAt": None,
    }
    assert created["key"] not in result.stdout
    assert acme["apiKey"] not in result.stdout


def test_keys_list_as_text_shows_one_line_per_key(slotwise, acme):
    created = create_key(slotwise, "--name", "reader", "--scope", "contacts:read")

    lines = succeed(slotwise("keys", "list", "--org", "acme")).splitlines()

    assert len(lines) == 2
    assert created["id"] in lines[0]
    assert "contacts:read" in lines[0]
    assert "full access" in lines[1]


def test_keys_revoke_stops_the_key_at_once(slotwise, acme, database_url, bound):
    created = create_key(slotwise, "--name", "leaked")

    succeed(slotwise("keys", "revoke", created["id"]))

    with pytest.raises(AuthenticationFailed) as failure:
        principal_of(created["key"], database_url)
    assert failure.value.code == "revoked_api_key"
    assert created["id"] not in {row["id"] for row in list_keys(slotwise)}
    # The other keys keep working.
    assert principal_of(acme["apiKey"], database_url).organization_id == acme["organization"]["id"]


def test_keys_revoke_twice_is_an_error(slotwise, acme):
    created = create_key(slotwise, "--name", "leaked")
    succeed(slotwise("keys", "revoke", created["id"]))

    again = slotwise("keys", "revoke", created["id"])

    assert again.returncode != 0
    assert again.stderr.strip() == f"slotwise: error: no live key with id {created['id']!r}"


# migrate


def test_migrate_creates_the_schema_then_has_nothing_left_to_do(slotwise, bound):
    first = succeed(slotwise("migrate"))
    second = succeed(slotwise("migrate"))

    assert "0001_initial" in first
    assert "0001_initial" not in second
    assert "up to date" in second
    with db.connection_context():
        assert {"organization", "user", "api_key", "schedule", "schema_migration"} <= set(
            db.get_tables()
        )


# users set-password

PASSWORD = "correct horse battery staple"


def password_hash_of(email: str) -> str | None:
    with db.connection_context():
        return User.get(User.email == email).password_hash


def log_in(email: str, password: str, database_url: str, **options):
    with db.connection_context():
        return logins.login(
            email, password, secret=stored_secret(database_url), now=utcnow(), **options
        )


def _read_until(fd: int, ending: bytes) -> bytes:
    seen = b""
    while not seen.endswith(ending):
        ready, _, _ = select.select([fd], [], [], 30)
        assert ready, f"no {ending!r} after {seen!r}"
        seen += os.read(fd, 1024)
    return seen


def _read_rest(fd: int) -> bytes:
    rest = b""
    while select.select([fd], [], [], 30)[0]:
        try:
            chunk = os.read(fd, 1024)
        except OSError:  # EIO: the command ended and closed the terminal
            break
        if not chunk:
            break
        rest += chunk
    return rest


def on_a_terminal(database_url: str, cwd: Path, args: list[str], answers: list[str]):
    """Run the command on a pseudo-terminal, typing each answer after its prompt.

    Return (exit code, everything the terminal showed).
    """
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the command
        try:
            os.chdir(cwd)
            os.execve(SLOTWISE, [SLOTWISE, *args], cli_env(database_url))  # noqa: S606
        finally:
            os._exit(127)
    shown = b""
    try:
        for answer in answers:
            shown += _read_until(fd, b": ")
            os.write(fd, answer.encode() + b"\n")
        shown += _read_rest(fd)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), shown.decode()


def test_users_set_password_from_stdin_lets_the_user_log_in(slotwise, acme, database_url, bound):
    result = slotwise(
        "users",
        "set-password",
        "--email",
        "ADA@acme.example",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )

    assert succeed(result) == "Set the password of ada@acme.example in organization 'acme'.\n"
    stored = password_hash_of("ada@acme.example")
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    login = log_in("ada@acme.example", PASSWORD, database_url)
    assert login.user.id == acme["user"]["id"]


def test_users_set_password_asks_twice_on_a_terminal_without_echo(
    slotwise, acme, database_url, tmp_path, bound
):
    code, shown = on_a_terminal(
        database_url,
        tmp_path,
        ["users", "set-password", "--email", "ada@acme.example"],
        [PASSWORD, PASSWORD],
    )

    assert code == 0, shown
    assert "New password: " in shown
    assert "Repeat it: " in shown
    assert PASSWORD not in shown
    assert log_in("ada@acme.example", PASSWORD, database_url).user.email == "ada@acme.example"


def test_users_set_password_changes_nothing_when_the_answers_differ(
    slotwise, acme, database_url, tmp_path, bound
):
    code, shown = on_a_terminal(
        database_url,
        tmp_path,
        ["users", "set-password", "--email", "ada@acme.example"],
        [PASSWORD, PASSWORD + "!"],
    )

    assert code == 1
    assert "the two passwords differ" in shown
    assert password_hash_of("ada@acme.example") is None


def test_users_set_password_refuses_a_password_under_12_characters(slotwise, acme, bound):
    result = slotwise(
        "users",
        "set-password",
        "--email",
        "ada@acme.example",
        "--password-stdin",
        stdin="elevenchars\n",
    )

    assert result.returncode == 1
    assert result.stderr == "slotwise: error: A password needs at least 12 characters.\n"
    assert password_hash_of("ada@acme.example") is None


def test_users_set_password_without_a_terminal_needs_password_stdin(slotwise, acme, bound):
    result = slotwise("users", "set-password", "--email", "ada@acme.example", stdin="")

    assert result.returncode == 1
    assert "--password-stdin" in result.stderr
    assert password_hash_of("ada@acme.example") is None


def test_users_set_password_for_an_unknown_address_is_an_error(slotwise, acme):
    result = slotwise(
        "users",
        "set-password",
        "--email",
        "nobody@acme.example",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )

    assert result.returncode == 1
    assert "No user with the e-mail address 'nobody@acme.example'" in result.stderr


def test_users_set_password_needs_the_organization_of_a_shared_address(
    slotwise, acme, database_url, bound
):
    bootstrap_json(slotwise, "--org", "Globex", "--email", "ada@acme.example")

    ambiguous = slotwise(
        "users",
        "set-password",
        "--email",
        "ada@acme.example",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    chosen = slotwise(
        "users",
        "set-password",
        "--email",
        "ada@acme.example",
        "--org",
        "globex",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )

    assert ambiguous.returncode == 1
    assert "several organizations (acme, globex)" in ambiguous.stderr
    assert succeed(chosen).endswith("in organization 'globex'.\n")
    with db.connection_context():
        hashes = {user.organization.slug: user.password_hash for user in User.select()}
    assert hashes["acme"] is None
    assert hashes["globex"].startswith("$argon2id$")
    login = log_in("ada@acme.example", PASSWORD, database_url, organization="globex")
    assert login.user.organization.slug == "globex"


def test_a_password_set_on_the_command_line_logs_in_on_the_server(
    slotwise, acme, database_url, tmp_path
):
    succeed(
        slotwise(
            "users",
            "set-password",
            "--email",
            "ada@acme.example",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )
    )

    with serving(tmp_path, database_url) as (base, _, _):
        login = httpx.post(
            base + "/api/auth/login",
            json={"email": "ada@acme.example", "password": PASSWORD},
            timeout=10,
        )
        assert login.status_code == 200, login.text
        me = get(base + "/api/v1/me", login.json()["token"])

    assert me.status_code == 200
    assert (me.json()["id"], me.json()["apiKey"]) == (acme["user"]["id"], None)


# serve


def test_serve_demo_bootstraps_and_serves_the_printed_key(tmp_path, database_url):
    with serving(tmp_path, database_url, "--demo") as (base, out_path, err_path):
        out = out_path.read_text()
        keys = LIVE_KEY.findall(out)
        assert len(keys) == 1, out

        response = get(base + "/api/v1/me", keys[0])
        assert response.status_code == 200, response.text
        me = response.json()
        assert me["email"] == "demo@example.com"
        assert me["organization"]["slug"] == "demo"

        # The printed docs link names the port actually served, and works.
        assert f"{base}/docs/" in out
        assert get(base + "/docs/").status_code == 200

    secret = stored_secret(database_url)
    assert secret not in out_path.read_text()
    assert secret not in err_path.read_text()


def test_serve_demo_second_start_creates_no_other_organization(tmp_path, database_url, bound):
    with serving(tmp_path, database_url, "--demo") as (_, first_out, _):
        first_key = LIVE_KEY.findall(first_out.read_text())
    with serving(tmp_path, database_url, "--demo") as (base, second_out, _):
        assert LIVE_KEY.findall(second_out.read_text()) == []
        # The first start's key still works.
        assert get(base + "/api/v1/me", first_key[0]).status_code == 200

    with db.connection_context():
        assert [org.slug for org in Organization.select()] == ["demo"]


def test_serve_prints_the_configured_base_url(tmp_path, database_url):
    with serving(tmp_path, database_url, BASE_URL="https://book.example.com/") as (_, out_path, _):
        out = out_path.read_text()

    assert "https://book.example.com/docs/" in out
    assert LIVE_KEY.findall(out) == []
