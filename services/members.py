"""Members of an organization and their roles: owner, admin, member.

At least one owner always remains, and only an owner may grant or take away the owner role.
A member who owns or hosts event types, owns schedules or attends bookings cannot be
deleted: deleting them would delete those too (and the bookings' history with them).
"""

from datetime import datetime

from peewee import IntegrityError, PostgresqlDatabase

from models import (
    BookingHost,
    EventType,
    EventTypeHost,
    Organization,
    Schedule,
    User,
    db,
    write_transaction,
)

from .contacts import normalize_email
from .errors import Conflict, PermissionDenied
from .lookup import oldest_first, owned
from .organizations import unique_username
from .pagination import Page, paginate
from .recent_keys import RECENT_KEYS
from .text import clean_name

# Two requests may derive the same username at once (across organizations); the loser
# tries the next free one.
USERNAME_ATTEMPTS = 3


def list_members(principal, *, page: int, limit: int) -> Page:
    """The organization's members, oldest first."""
    return paginate(oldest_first(User, principal.organization_id), page, limit)


def get_member(principal, member_id: str) -> User:
    """A member of the caller's organization; NotFound for any other id."""
    return owned(User, member_id, principal.organization_id, "member")


def _lock_team(organization_id: str) -> None:
    """Serialize role changes in one organization, so two cannot remove the last owners.

    SQLite's write transaction already excludes every other writer.
    """
    if isinstance(db.obj, PostgresqlDatabase):
        Organization.select(Organization.id).where(
            Organization.id == organization_id
        ).for_update().execute()


def _require_owner(principal) -> None:
    caller = User.get_or_none(User.id == principal.user_id)
    if caller is None or caller.role != "owner":
        raise PermissionDenied(
            "Only an owner may grant or take away the owner role.",
            code="owner_required",
            details={"role": "only an owner may grant or take away the owner role"},
        )


def _require_another_owner(member: User) -> None:
    owners = (
        User.select()
        .where((User.organization == member.organization_id) & (User.role == "owner"))
        .count()
    )
    if owners <= 1:
        raise Conflict(
            "An organization needs at least one owner; make another member owner first.",
            code="last_owner",
            details={"role": "the last owner must stay owner", "id": member.id},
        )


def _email_taken(organization_id: str, email: str) -> bool:
    return (
        User.select().where((User.organization == organization_id) & (User.email == email)).exists()
    )


def _member_exists(email: str) -> Conflict:
    return Conflict(
        f"A member with the e-mail address {email} already exists.",
        code="member_exists",
        details={"email": "already a member"},
    )


def create_member(principal, fields: dict, *, now: datetime) -> User:
    """Add a member; e-mail addresses are unique within the organization."""
    organization_id = principal.organization_id
    email = normalize_email(fields["email"])
    name = clean_name(fields["name"], "name")
    role = fields.get("role", "member")
    attempts = USERNAME_ATTEMPTS
    while True:
        try:
            with write_transaction():
                _lock_team(organization_id)
                if role == "owner":
                    _require_owner(principal)
                if _email_taken(organization_id, email):
                    raise _member_exists(email)
                organization = Organization.get_by_id(organization_id)
                return User.create(
                    organization=organization_id,
                    email=email,
                    name=name,
                    username=unique_username(email),
                    timezone=fields.get("timezone") or organization.timezone,
                    role=role,
                    created_at=now,
                )
        except IntegrityError:
            # Outside the rolled-back transaction: the winner's row is visible now.
            if _email_taken(organization_id, email):
                raise _member_exists(email) from None
            attempts -= 1
            if not attempts:
                raise


def update_member(principal, member_id: str, fields: dict) -> User:
    """Change a member's name, role or time zone."""
    with write_transaction():
        _lock_team(principal.organization_id)
        member = get_member(principal, member_id)
        role = fields.get("role", member.role)
        if (role == "owner") != (member.role == "owner"):
            _require_owner(principal)
            if member.role == "owner":
                _require_another_owner(member)
        if "name" in fields:
            member.name = clean_name(fields["name"], "name")
        if "timezone" in fields:
            member.timezone = fields["timezone"]
        member.role = role
        member.save()
    return member


def _uses(member: User, now: datetime) -> dict[str, int]:
    """What deleting the member would delete with them, counted."""
    owned_types = EventType.select(EventType.id).where(EventType.owner == member.id)
    hosted_types = EventTypeHost.select(EventTypeHost.event_type).where(
        EventTypeHost.host == member.id
    )
    event_types = {row.id for row in owned_types} | {row.event_type_id for row in hosted_types}
    attended = BookingHost.select().where(BookingHost.host == member.id)
    upcoming = attended.where(BookingHost.active & (BookingHost.end_at > now))
    return {
        "eventTypes": len(event_types),
        "schedules": Schedule.select().where(Schedule.owner == member.id).count(),
        "upcomingBookings": upcoming.count(),
        "bookings": attended.count(),
    }


def delete_member(principal, member_id: str, *, now: datetime) -> None:
    """Remove a member who owns, hosts and attends nothing; their API keys go with them."""
    with write_transaction():
        _lock_team(principal.organization_id)
        member = get_member(principal, member_id)
        if member.role == "owner":
            _require_owner(principal)
            _require_another_owner(member)
        uses = _uses(member, now)
        if any(uses.values()):
            raise Conflict(
                f"Member {member.id} still owns or hosts {uses['eventTypes']} event type(s), "
                f"owns {uses['schedules']} schedule(s) and attends {uses['bookings']} "
                f"booking(s), {uses['upcomingBookings']} of them upcoming; deleting the member "
                "would delete those too. Move or delete the event types and schedules first; "
                "members who have attended bookings stay.",
                code="member_in_use",
                details=uses,
            )
        member.delete_instance()
    RECENT_KEYS.forget(user_id=member.id)
