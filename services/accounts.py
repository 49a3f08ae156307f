"""The calling account: its user, organization, plan and key (none with a login token)."""

from models import ApiKey, Organization, User

from .auth import Principal, effective_plan


def whoami(principal: Principal) -> dict:
    user = (
        User.select(User, Organization).join(Organization).where(User.id == principal.user_id).get()
    )
    key = ApiKey.get_by_id(principal.key_id) if principal.key_id else None
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "username": user.username,
        "role": user.role,
        "timezone": user.timezone,
        "plan": user.organization.plan,
        "effective_plan": effective_plan(user.organization, principal.mode),
        "organization": user.organization,
        "api_key": key,
    }
