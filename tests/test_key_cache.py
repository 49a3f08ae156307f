"""A key in use is trusted for a few seconds without a lookup, and never past its end."""

from datetime import timedelta

from conftest import SECRET, bearer
from models import ApiKey, db, utcnow
from services.auth import Principal
from services.keys import hash_key
from services.recent_keys import RECENT_KEYS, RecentKeys

PRINCIPAL = Principal(
    key_id="key_1", user_id="usr_1", organization_id="org_1", scopes=None, mode="live"
)


class Clock:
    def __init__(self):
        self.reading = 100.0

    def __call__(self) -> float:
        return self.reading


def remembered(recent: RecentKeys, digest: str = "digest", **key_fields) -> None:
    key = ApiKey(revoked_at=key_fields.get("revoked_at"), expires_at=key_fields.get("expires_at"))
    recent.remember(digest, key, PRINCIPAL, seconds=5)


def test_a_key_in_use_is_not_looked_up_again_within_the_window(client, tenant):
    assert client.get("/api/v1/me", headers=bearer(tenant.key)).status_code == 200
    # As another process would revoke it: straight in the database.
    with db.connection_context():
        ApiKey.update(revoked_at=utcnow()).where(
            ApiKey.key_hash == hash_key(tenant.key, SECRET)
        ).execute()

    still = client.get("/api/v1/me", headers=bearer(tenant.key))
    RECENT_KEYS.forget()
    looked_up = client.get("/api/v1/me", headers=bearer(tenant.key))

    assert still.status_code == 200
    assert looked_up.status_code == 401
    assert looked_up.json()["code"] == "revoked_api_key"


def test_rotating_a_key_in_use_ends_it_at_once_without_a_grace_period(client, tenant, make_key):
    old = make_key(name="old")
    me = client.get("/api/v1/me", headers=bearer(old)).json()

    rotated = client.post(
        f"/api/v1/api-keys/{me['apiKey']['id']}/rotate", headers=bearer(tenant.key), json={}
    )

    assert rotated.status_code == 201, rotated.text
    refused = client.get("/api/v1/me", headers=bearer(old))
    assert refused.status_code == 401
    assert refused.json()["code"] == "revoked_api_key"
    assert client.get("/api/v1/me", headers=bearer(rotated.json()["key"])).status_code == 200


def test_a_remembered_key_is_forgotten_when_the_window_ends():
    clock = Clock()
    recent = RecentKeys(clock=clock)
    remembered(recent)
    now = utcnow()

    clock.reading += 4.9
    assert recent.principal("digest", now) == PRINCIPAL
    clock.reading += 0.1
    assert recent.principal("digest", now) is None


def test_expiry_and_a_grace_period_end_exactly_while_remembered():
    recent = RecentKeys(clock=Clock())
    now = utcnow()
    remembered(recent, "expiring", expires_at=now + timedelta(seconds=1))
    remembered(recent, "retiring", revoked_at=now + timedelta(seconds=2))

    assert recent.principal("expiring", now) == PRINCIPAL
    assert recent.principal("expiring", now + timedelta(seconds=1)) is None
    assert recent.principal("retiring", now + timedelta(seconds=1)) == PRINCIPAL
    assert recent.principal("retiring", now + timedelta(seconds=2)) is None


def test_nothing_is_remembered_with_a_window_of_zero():
    recent = RecentKeys(clock=Clock())
    recent.remember("digest", ApiKey(), PRINCIPAL, seconds=0)

    assert recent.principal("digest", utcnow()) is None


def test_only_so_many_keys_are_remembered_the_oldest_going_first(monkeypatch):
    monkeypatch.setattr(RecentKeys, "MAX_ENTRIES", 3)
    recent = RecentKeys(clock=Clock())
    for n in range(4):
        remembered(recent, f"digest-{n}")
    now = utcnow()

    assert recent.principal("digest-0", now) is None
    assert [recent.principal(f"digest-{n}", now) for n in (1, 2, 3)] == [PRINCIPAL] * 3


def test_a_users_keys_can_be_forgotten_together():
    recent = RecentKeys(clock=Clock())
    other = Principal(
        key_id="key_2", user_id="usr_2", organization_id="org_1", scopes=None, mode="live"
    )
    remembered(recent, "first")
    recent.remember("second", ApiKey(), other, seconds=5)

    recent.forget(user_id="usr_1")

    assert recent.principal("first", utcnow()) is None
    assert recent.principal("second", utcnow()) == other
