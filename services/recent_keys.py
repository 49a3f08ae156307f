"""Secret keys verified moments ago, remembered per process."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from models import ApiKey

if TYPE_CHECKING:
    from .auth import Principal


@dataclass(frozen=True)
class _Verified:
    principal: Principal
    revoked_at: datetime | None
    expires_at: datetime | None
    until: float  # the clock's reading from which the key is looked up again


class RecentKeys:
    """Secret keys verified in the last few seconds, so a busy key is not looked up on
    every request.

    Its revocation time and expiry are kept with it and checked on each use, so they stay
    exact. A revocation made through this process is seen at once (:func:`forget`); one
    made by another process, a change of plan or scopes, within ``seconds``.
    """

    MAX_ENTRIES = 10_000

    def __init__(self, clock=time.monotonic):
        self._entries: dict[str, _Verified] = {}
        self._lock = threading.Lock()
        self._clock = clock

    def principal(self, digest: str, now: datetime) -> Principal | None:
        """The principal of a recently verified key still live at ``now``, if any."""
        entry = self._entries.get(digest)
        if entry is None or entry.until <= self._clock():
            return None
        if (entry.revoked_at is not None and entry.revoked_at <= now) or (
            entry.expires_at is not None and entry.expires_at <= now
        ):
            return None
        return entry.principal

    def remember(self, digest: str, key: ApiKey, principal: Principal, seconds: float) -> None:
        if seconds <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                # The oldest entry goes first (dicts keep insertion order).
                del self._entries[next(iter(self._entries))]
            self._entries[digest] = _Verified(
                principal, key.revoked_at, key.expires_at, self._clock() + seconds
            )

    def forget(self, key_id: str | None = None, *, user_id: str | None = None) -> None:
        """Drop one key, or every key of a user (all keys when neither is given)."""
        with self._lock:
            for digest, entry in list(self._entries.items()):
                everything = key_id is None and user_id is None
                if (
                    everything
                    or entry.principal.key_id == key_id
                    or (user_id is not None and entry.principal.user_id == user_id)
                ):
                    del self._entries[digest]


RECENT_KEYS = RecentKeys()
