"""Configuration: defaults, then SLOTWISE_* environment variables, then explicit overrides."""

import stat
import subprocess
import sys

import pytest

from models import open_database
from slotwise.config import DEFAULTS, ConfigError, load

POSTGRES_URL = "postgresql://slotwise@db.internal/slotwise"


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/slotwise.db"


def test_defaults_apply_without_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    settings = load(environ={})

    assert settings["DATABASE_URL"] == "sqlite:///slotwise.db"
    assert settings["BASE_URL"] == "http://127.0.0.1:8000"
    assert settings["RATELIMIT_ENABLED"] is True
    assert settings["VALIDATE_RESPONSES"] is False
    assert settings["MAX_BODY_BYTES"] == 1024 * 1024
    # The default database is a relative file, so its secret lands beside it.
    assert settings["SECRET_KEY"] == (tmp_path / "slotwise.db.secret").read_text().strip()


def test_defaults_are_not_changed_by_loading(sqlite_url):
    before = dict(DEFAULTS)

    load({"DATABASE_URL": sqlite_url, "BASE_URL": "https://x.example/"}, environ={})

    assert before == DEFAULTS


def test_environment_variables_are_read(sqlite_url):
    settings = load(
        environ={
            "SLOTWISE_DATABASE_URL": sqlite_url,
            "SLOTWISE_SECRET_KEY": "from-the-environment",
            "SLOTWISE_BASE_URL": "https://book.example.com",
            "SLOTWISE_RATELIMIT_ENABLED": "0",
            "SLOTWISE_VALIDATE_RESPONSES": "1",
            "SLOTWISE_MAX_BODY_BYTES": "2048",
            "SLOTWISE_REDIS_URL": "redis://127.0.0.1:6379/0",
            "SLOTWISE_SMTP_URL": "smtp://mail.example:2525",
            "SLOTWISE_MAIL_FROM": "Acme <book@acme.example>",
            "SLOTWISE_WEBHOOKS_ALLOW_PRIVATE": "yes",
            "SLOTWISE_RETRY_SECONDS": "1, 2.5,10",
            "SLOTWISE_JOB_LEASE_SECONDS": "30",
            "SLOTWISE_TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16",
            "SLOTWISE_RATE_LIMIT_FREE": "10/minute",
            "SLOTWISE_RATE_LIMIT_PRO": "20/minute;200/day",
            "SLOTWISE_RATE_LIMIT_BUSINESS": "30/second",
            "SLOTWISE_PUBLIC_BOOKING_LIMIT": "5/minute",
            "SLOTWISE_AUTH_FAILURE_LIMIT": "3/minute",
            "SLOTWISE_KEY_CACHE_SECONDS": "0",
            "SLOTWISE_REQUEST_THREADS": "4",
            "SLOTWISE_SQLITE_SYNCHRONOUS": "normal",
            "DATABASE_URL": "sqlite:///ignored-without-prefix.db",
        }
    )

    assert settings == {
        "DATABASE_URL": sqlite_url,
        "SECRET_KEY": "from-the-environment",
        "BASE_URL": "https://book.example.com",
        "RATELIMIT_ENABLED": False,
        "VALIDATE_RESPONSES": True,
        "MAX_BODY_BYTES": 2048,
        "DATABASE_POOL_SIZE": 32,
        "REQUEST_THREADS": 4,
        "SQLITE_SYNCHRONOUS": "normal",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        # With a Redis queue, separate `slotwise worker` processes consume it.
        "INPROCESS_WORKER": False,
        "SMTP_URL": "smtp://mail.example:2525",
        "MAIL_FROM": "Acme <book@acme.example>",
        "WEBHOOKS_ALLOW_PRIVATE": True,
        "RETRY_SECONDS": (1.0, 2.5, 10.0),
        "JOB_LEASE_SECONDS": 30,
        "TRUSTED_PROXIES": "10.0.0.1, 10.1.0.0/16",
        "RATE_LIMIT_FREE": "10/minute",
        "RATE_LIMIT_PRO": "20/minute;200/day",
        "RATE_LIMIT_BUSINESS": "30/second",
        "PUBLIC_BOOKING_LIMIT": "5/minute",
        "AUTH_FAILURE_LIMIT": "3/minute",
        "KEY_CACHE_SECONDS": 0,
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("True", True),
        ("yes", True),
        ("on", True),
        (" 1 ", True),
        ("0", False),
        ("false", False),
        ("FALSE", False),
        ("no", False),
        ("off", False),
    ],
)
@pytest.mark.parametrize("name", ["RATELIMIT_ENABLED", "VALIDATE_RESPONSES"])
def test_boolean_variables_accept_the_usual_spellings(sqlite_url, name, raw, expected):
    settings = load({"DATABASE_URL": sqlite_url}, environ={f"SLOTWISE_{name}": raw})

    assert settings[name] is expected


@pytest.mark.parametrize("raw", ["maybe", "2", "enabled", "tru"])
def test_boolean_variable_with_another_value_is_refused(sqlite_url, raw):
    with pytest.raises(ConfigError) as error:
        load({"DATABASE_URL": sqlite_url}, environ={"SLOTWISE_RATELIMIT_ENABLED": raw})

    assert "SLOTWISE_RATELIMIT_ENABLED" in str(error.value)
    assert repr(raw) in str(error.value)


@pytest.mark.parametrize("raw", ["lots", "1.5", "1MB", "0", "-1"])
def test_body_limit_must_be_a_positive_whole_number(sqlite_url, raw):
    with pytest.raises(ConfigError, match="SLOTWISE_MAX_BODY_BYTES"):
        load({"DATABASE_URL": sqlite_url}, environ={"SLOTWISE_MAX_BODY_BYTES": raw})


def test_empty_variables_count_as_unset(sqlite_url):
    settings = load(
        {"DATABASE_URL": sqlite_url},
        environ={
            "SLOTWISE_BASE_URL": "",
            "SLOTWISE_RATELIMIT_ENABLED": "",
            "SLOTWISE_SECRET_KEY": "",
        },
    )

    assert settings["BASE_URL"] == DEFAULTS["BASE_URL"]
    assert settings["RATELIMIT_ENABLED"] is True
    assert settings["SECRET_KEY"]


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        ("https://book.example.com/", "https://book.example.com"),
        ("https://book.example.com//", "https://book.example.com"),
        ("https://example.com/slotwise/", "https://example.com/slotwise"),
        ("https://book.example.com", "https://book.example.com"),
    ],
)
def test_base_url_loses_its_trailing_slash(sqlite_url, configured, expected):
    from_environment = load({"DATABASE_URL": sqlite_url}, environ={"SLOTWISE_BASE_URL": configured})
    from_override = load({"DATABASE_URL": sqlite_url, "BASE_URL": configured}, environ={})

    assert from_environment["BASE_URL"] == expected
    assert from_override["BASE_URL"] == expected


def test_overrides_win_over_the_environment(sqlite_url, tmp_path):
    environ = {
        "SLOTWISE_DATABASE_URL": f"sqlite:///{tmp_path}/from-env.db",
        "SLOTWISE_SECRET_KEY": "from-env",
        "SLOTWISE_BASE_URL": "https://env.example",
        "SLOTWISE_RATELIMIT_ENABLED": "1",
        "SLOTWISE_VALIDATE_RESPONSES": "0",
        "SLOTWISE_MAX_BODY_BYTES": "100",
        "SLOTWISE_REDIS_URL": "redis://env:6379/0",
        "SLOTWISE_SMTP_URL": "smtp://env:25",
        "SLOTWISE_MAIL_FROM": "env@example.com",
        "SLOTWISE_WEBHOOKS_ALLOW_PRIVATE": "1",
        "SLOTWISE_RETRY_SECONDS": "5",
        "SLOTWISE_JOB_LEASE_SECONDS": "5",
        "SLOTWISE_INPROCESS_WORKER": "0",
        "SLOTWISE_TRUSTED_PROXIES": "10.0.0.9",
        "SLOTWISE_RATE_LIMIT_FREE": "1/minute",
        "SLOTWISE_RATE_LIMIT_PRO": "1/minute",
        "SLOTWISE_RATE_LIMIT_BUSINESS": "1/minute",
        "SLOTWISE_PUBLIC_BOOKING_LIMIT": "1/minute",
        "SLOTWISE_AUTH_FAILURE_LIMIT": "1/minute",
    }
    overrides = {
        "DATABASE_URL": sqlite_url,
        "SECRET_KEY": "from-override",
        "BASE_URL": "https://override.example",
        "RATELIMIT_ENABLED": False,
        "VALIDATE_RESPONSES": True,
        "MAX_BODY_BYTES": 200,
        "DATABASE_POOL_SIZE": 32,
        "REQUEST_THREADS": 1,
        "SQLITE_SYNCHRONOUS": "full",
        "REDIS_URL": None,
        "INPROCESS_WORKER": True,
        "SMTP_URL": None,
        "MAIL_FROM": "override@example.com",
        "WEBHOOKS_ALLOW_PRIVATE": False,
        "RETRY_SECONDS": (1.0,),
        "JOB_LEASE_SECONDS": 9,
        "TRUSTED_PROXIES": "",
        "RATE_LIMIT_FREE": "2/minute",
        "RATE_LIMIT_PRO": "3/minute",
        "RATE_LIMIT_BUSINESS": "4/minute",
        "PUBLIC_BOOKING_LIMIT": "5/minute",
        "AUTH_FAILURE_LIMIT": "6/minute",
        "KEY_CACHE_SECONDS": 7,
    }

    assert load(overrides, environ=environ) == overrides


def test_load_reads_the_process_environment_by_default(sqlite_url, monkeypatch):
    monkeypatch.setenv("SLOTWISE_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SLOTWISE_SECRET_KEY", "from-os-environ")

    settings = load()

    assert settings["DATABASE_URL"] == sqlite_url
    assert settings["SECRET_KEY"] == "from-os-environ"


# The secret kept beside a SQLite database


def test_sqlite_secret_is_generated_into_a_private_file_beside_the_database(sqlite_url, tmp_path):
    settings = load({"DATABASE_URL": sqlite_url}, environ={})

    secret_file = tmp_path / "slotwise.db.secret"
    assert secret_file.read_text().strip() == settings["SECRET_KEY"]
    assert len(settings["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    # Only the secret is left behind, no temporary file.
    assert sorted(path.name for path in tmp_path.iterdir()) == ["slotwise.db.secret"]


def test_sqlite_secret_is_reused_on_the_next_load(sqlite_url):
    first = load({"DATABASE_URL": sqlite_url}, environ={})
    second = load(environ={"SLOTWISE_DATABASE_URL": sqlite_url})

    assert first["SECRET_KEY"] == second["SECRET_KEY"]


def test_each_sqlite_database_gets_its_own_secret(tmp_path):
    one = load({"DATABASE_URL": f"sqlite:///{tmp_path}/one.db"}, environ={})
    two = load({"DATABASE_URL": f"sqlite:///{tmp_path}/two.db"}, environ={})

    assert one["SECRET_KEY"] != two["SECRET_KEY"]


def test_an_existing_secret_file_is_never_replaced(sqlite_url, tmp_path):
    secret_file = tmp_path / "slotwise.db.secret"
    secret_file.write_text("chosen-by-the-operator\n")

    assert load({"DATABASE_URL": sqlite_url}, environ={})["SECRET_KEY"] == "chosen-by-the-operator"
    assert secret_file.read_text() == "chosen-by-the-operator\n"


def test_an_empty_secret_file_is_refused(sqlite_url, tmp_path):
    (tmp_path / "slotwise.db.secret").write_text("\n")

    with pytest.raises(ConfigError, match="empty"):
        load({"DATABASE_URL": sqlite_url}, environ={})


@pytest.mark.parametrize("where", ["environment", "override"])
def test_a_configured_secret_writes_no_file(sqlite_url, tmp_path, where):
    if where == "environment":
        settings = load({"DATABASE_URL": sqlite_url}, environ={"SLOTWISE_SECRET_KEY": "given"})
    else:
        settings = load({"DATABASE_URL": sqlite_url, "SECRET_KEY": "given"}, environ={})

    assert settings["SECRET_KEY"] == "given"
    assert list(tmp_path.iterdir()) == []


def test_a_missing_database_directory_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load({"DATABASE_URL": f"sqlite:///{tmp_path}/absent/slotwise.db"}, environ={})


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_postgresql_without_a_secret_is_refused(scheme):
    with pytest.raises(ConfigError, match="SLOTWISE_SECRET_KEY"):
        load(environ={"SLOTWISE_DATABASE_URL": f"{scheme}://slotwise@db.internal/slotwise"})


def test_postgresql_with_a_secret_is_accepted():
    settings = load(environ={"SLOTWISE_DATABASE_URL": POSTGRES_URL, "SLOTWISE_SECRET_KEY": "s3"})

    assert (settings["DATABASE_URL"], settings["SECRET_KEY"]) == (POSTGRES_URL, "s3")


@pytest.mark.parametrize(
    ("url", "mention"),
    [
        ("mysql://slotwise@localhost/slotwise", "'mysql'"),
        ("slotwise.db", "''"),
        ("sqlite:///:memory:", ":memory:"),
        ("sqlite://", "file path"),
    ],
)
def test_an_unsupported_database_url_is_refused_before_any_secret_is_written(
    tmp_path, monkeypatch, url, mention
):
    monkeypatch.chdir(tmp_path)

    with pytest.raises(ConfigError) as error:
        load(environ={"SLOTWISE_DATABASE_URL": url})

    assert mention in str(error.value)
    assert "SLOTWISE_SECRET_KEY" not in str(error.value)
    assert list(tmp_path.iterdir()) == []


def test_the_secret_file_is_shared_by_concurrent_first_loads(sqlite_url, tmp_path):
    # Each child process races to create the file; all must end with the same secret.
    program = (
        "import sys; from slotwise.config import load; "
        "print(load({'DATABASE_URL': sys.argv[1]}, environ={})['SECRET_KEY'])"
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", program, sqlite_url],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    secrets = {child.communicate(timeout=30)[0].strip() for child in children}

    assert len(secrets) == 1
    assert secrets == {(tmp_path / "slotwise.db.secret").read_text().strip()}


@pytest.mark.parametrize(
    ("url", "mention"),
    [
        ("http://mail.example", "smtp://"),
        ("smtp://user:hunter2@", "no host"),
        ("smtps://user:hunter2@h?starttls=1", "both"),
    ],
)
def test_a_bad_smtp_url_is_refused_at_start_without_echoing_it(sqlite_url, url, mention):
    with pytest.raises(ConfigError) as refused:
        load({"DATABASE_URL": sqlite_url, "SECRET_KEY": "s", "SMTP_URL": url})

    assert mention in str(refused.value)
    assert "hunter2" not in str(refused.value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RATE_LIMIT_FREE", "sixty a minute"),
        ("AUTH_FAILURE_LIMIT", "5/fortnight"),
        ("TRUSTED_PROXIES", "10.0.0.1, not-an-address"),
        ("SQLITE_SYNCHRONOUS", "off"),
        ("KEY_CACHE_SECONDS", "-1"),
        ("REQUEST_THREADS", "0"),
    ],
)
def test_bad_limits_and_proxies_are_refused_at_start(sqlite_url, name, value):
    with pytest.raises(ConfigError) as refused:
        load(
            environ={
                "SLOTWISE_DATABASE_URL": sqlite_url,
                "SLOTWISE_SECRET_KEY": "s",
                f"SLOTWISE_{name}": value,
            }
        )

    assert f"SLOTWISE_{name}" in str(refused.value)


@pytest.mark.parametrize("level", ["full", "normal"])
def test_sqlite_waits_for_the_disk_as_configured(sqlite_url, level):
    database = open_database(sqlite_url, sqlite_synchronous=level)
    with database.connection_context():
        synchronous = database.execute_sql("PRAGMA synchronous").fetchone()[0]

    assert synchronous == {"full": 2, "normal": 1}[level]
