"""Public widget keys: which site may show the widget, and which event types it may book."""

import secrets
import string
from dataclasses import dataclass
from datetime import datetime

from models import WidgetKey, write_transaction

from .errors import AuthenticationFailed, NotFound, PermissionDenied
from .lookup import owned, require_event_types
from .pagination import Page, paginate
from .text import clean_name

PREFIX = "sw_pub_"
_ALPHABET = string.ascii_letters + string.digits
HOSTED_PAGES = "Hosted booking pages"


@dataclass(frozen=True)
class WidgetPrincipal:
    """The site calling the public endpoints, as its widget key allows it."""

    key_id: str
    organization_id: str
    # None: every active event type of the organization.
    event_type_ids: tuple[str, ...] | None

    def may_book(self, event_type_id: str) -> bool:
        return self.event_type_ids is None or event_type_id in self.event_type_ids


def _generate() -> str:
    return PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(32))


def _live(organization_id: str):
    return WidgetKey.select().where(
        (WidgetKey.organization == organization_id) & WidgetKey.revoked_at.is_null()
    )


def _check_event_types(organization_id: str, event_type_ids) -> list[str] | None:
    if event_type_ids is None:
        return None
    require_event_types(organization_id, event_type_ids)
    return list(dict.fromkeys(event_type_ids))


def create(
    organization_id: str, *, name: str, allowed_origins=(), event_type_ids=None
) -> WidgetKey:
    """Issue a widget key; with no origins it works on any site."""
    return WidgetKey.create(
        organization=organization_id,
        name=clean_name(name, "name"),
        key=_generate(),
        allowed_origins=sorted(set(allowed_origins)),
        event_type_ids=_check_event_types(organization_id, event_type_ids),
    )


def hosted_page_key(organization_id: str) -> str:
    """The key the organization's hosted booking pages embed, created on first use."""
    # It reads, then writes: on SQLite, a transaction that takes the write lock first.
    with write_transaction():
        existing = _live(organization_id).where(WidgetKey.for_hosted_pages).first()
        if existing is not None:
            return existing.key
        return WidgetKey.create(
            organization=organization_id, name=HOSTED_PAGES, key=_generate(), for_hosted_pages=True
        ).key


def search(organization_id: str, *, page: int, limit: int) -> Page:
    return paginate(
        _live(organization_id).order_by(WidgetKey.created_at, WidgetKey.id), page, limit
    )


def get(organization_id: str, key_id: str) -> WidgetKey:
    key = owned(WidgetKey, key_id, organization_id, "widget key")
    if key.revoked_at is not None:
        raise NotFound(f"No widget key with id '{key_id}'.", details={"id": key_id})
    return key


def update(organization_id: str, key_id: str, changes: dict, *, now: datetime) -> WidgetKey:
    """Rename the key or change what it allows; effective on the next request."""
    key = get(organization_id, key_id)
    if "name" in changes:
        key.name = clean_name(changes["name"], "name")
    if "allowedOrigins" in changes:
        key.allowed_origins = sorted(set(changes["allowedOrigins"]))
    if "eventTypeIds" in changes:
        key.event_type_ids = _check_event_types(organization_id, changes["eventTypeIds"])
    key.updated_at = now
    key.save()
    return key


def revoke(organization_id: str, key_id: str, *, now: datetime) -> None:
    """Stop the key at once; pages embedding it show the widget's error."""
    key = get(organization_id, key_id)
    WidgetKey.update(revoked_at=now).where(WidgetKey.id == key.id).execute()


def authenticate(raw_key: str, origin: str | None) -> WidgetPrincipal:
    """The principal of a live widget key, if the calling page's origin may use it.

    A request without an ``Origin`` header comes from no web page (a server, curl, or a
    same-origin GET); the allow-list stops other sites' pages, which browsers label.
    """
    key = WidgetKey.get_or_none((WidgetKey.key == raw_key) & WidgetKey.revoked_at.is_null())
    if key is None:
        raise AuthenticationFailed(
            "The widget key is not valid, or has been revoked.", code="invalid_widget_key"
        )
    if origin is not None and key.allowed_origins and origin not in key.allowed_origins:
        raise PermissionDenied(
            f"This widget key may not be used on {origin}. Its owner can add the site to the "
            "key's allowed origins.",
            code="origin_not_allowed",
            details={"origin": origin},
        )
    return WidgetPrincipal(
        key_id=key.id,
        organization_id=key.organization_id,
        event_type_ids=None if key.event_type_ids is None else tuple(key.event_type_ids),
    )
