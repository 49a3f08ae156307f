"""Liveness and readiness probes."""

from slotwise.app import create_app


def test_healthz_answers_without_credentials(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_a_reachable_database(client):
    response = client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_readyz_answers_503_when_the_database_does_not(database_url, tmp_path, monkeypatch):
    # Without Redis, the job queue of a PostgreSQL app is a file in the working directory.
    monkeypatch.chdir(tmp_path)
    # Port 1 on localhost refuses connections: a database that is down.
    unreachable = create_app(
        {"DATABASE_URL": "postgresql://slotwise@127.0.0.1:1/slotwise", "SECRET_KEY": "s"}
    )

    with unreachable.test_client() as client:
        ready = client.get("/readyz")
        alive = client.get("/healthz")

    assert ready.status_code == 503
    assert ready.json() == {
        "error": "The database does not answer.",
        "code": "not_ready",
        "details": {"database": "unavailable"},
    }
    assert alive.status_code == 200
