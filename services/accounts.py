"""The calling account: its user, organization, plan and key."""

from models import ApiKey, Organization, User

from .auth import Principal


def effective_plan(organization: Organization, mode: str) -> str:
    """The plan whose limits apply: test-mode keys always get the free plan's."""
    return "free" if mode == "test" else organization.plan


def whoami(principal: Principal) -> dict:
    user = (
        User.select(User, Organization).join(Organization).where(User.id == principal.user_id).get()
    )
    key = ApiKey.get_by_id(principal.key_id)
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "username": user.username,
        "role": user.role,
        "timezone": user.timezone,
        "plan": user.organization.plan,
        "effective_plan": effective_plan(user.organization, key.mode),
        "organization": user.organization,
        "api_key": key,
    }
