"""Organizations: bootstrapping one with its owner, reading and renaming it."""

import re
import unicodedata
from dataclasses import dataclass

from models import PLANS, Organization, Schedule, User, db

from .errors import InvalidRequest, NotFound
from .keys import issue_key
from .lookup import oldest_first
from .text import clean_name
from .timeutil import is_timezone

EMAIL_PATTERN = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
DEFAULT_RULES = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00"}]


def slugify(text: str, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60]
    return slug or fallback


def _unique(base: str, taken) -> str:
    candidate, n = base, 1
    while taken(candidate):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def unique_username(email: str) -> str:
    """A username from the address's local part, suffixed -2, -3… past those taken."""
    return _unique(
        slugify(email.split("@", 1)[0], "user"),
        lambda s: User.select().where(User.username == s).exists(),
    )


def bootstrap(*, secret: str, org_name: str, email: str, name=None, plan="free", timezone="UTC"):
    """Create an organization, its owner, a default schedule and a first secret key.

    Return ``(organization, owner, raw_key)``.
    """
    org_name, email = org_name.strip(), email.strip().lower()
    if not org_name:
        raise InvalidRequest("The organization name must not be empty.", details={"org": "empty"})
    if len(org_name) > 200:
        raise InvalidRequest(
            "The organization name is longer than 200 characters.", details={"org": "too long"}
        )
    if not EMAIL_PATTERN.fullmatch(email) or len(email) > 254:
        raise InvalidRequest(
            f"'{email}' is not a valid e-mail address.", details={"email": "invalid"}
        )
    if plan not in PLANS:
        raise InvalidRequest(
            f"Unknown plan '{plan}'.", details={"plan": "one of " + ", ".join(PLANS)}
        )
    if not is_timezone(timezone):
        raise InvalidRequest(
            f"'{timezone}' is not an IANA time zone.", details={"timezone": "unknown"}
        )
    local_part = email.split("@", 1)[0]
    with db.atomic():
        org = Organization.create(
            name=org_name,
            slug=_unique(
                slugify(org_name, "org"),
                lambda s: Organization.select().where(Organization.slug == s).exists(),
            ),
            timezone=timezone,
            plan=plan,
        )
        owner = User.create(
            organization=org,
            email=email,
            name=(name or local_part).strip()[:200] or local_part,
            username=unique_username(email),
            timezone=timezone,
            role="owner",
        )
        Schedule.create(
            organization=org,
            owner=owner,
            name="Working hours",
            timezone=timezone,
            rules=DEFAULT_RULES,
            is_default=True,
        )
        _, raw_key = issue_key(owner, secret=secret, name="Bootstrap key")
    return org, owner, raw_key


@dataclass(frozen=True)
class Team:
    organization: Organization
    members: list[User]


def get_team(organization_id: str) -> Team:
    """The organization with its members, oldest first."""
    members = oldest_first(User, organization_id)
    return Team(Organization.get_by_id(organization_id), list(members))


def find_by_slug(slug: str) -> Organization:
    org = Organization.get_or_none(Organization.slug == slug)
    if org is None:
        raise NotFound(f"No organization with slug '{slug}'.", details={"org": slug})
    return org


def update_team(organization_id: str, *, name=None, timezone=None) -> Team:
    """Rename the organization or change its time zone."""
    org = Organization.get_by_id(organization_id)
    if name is not None:
        org.name = clean_name(name, "name")
    if timezone is not None:
        org.timezone = timezone
    org.save()
    return get_team(organization_id)
