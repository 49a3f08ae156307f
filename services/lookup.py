"""Finding an organization's object by id without ever disclosing another organization's."""

from models import EventType

from .errors import NotFound, RuleViolation


def oldest_first(model, organization_id: str):
    """The organization's rows of ``model``, in the order they were made."""
    return (
        model.select()
        .where(model.organization == organization_id)
        .order_by(model.created_at, model.id)
    )


def require_event_types(organization_id: str, event_type_ids) -> None:
    """Refuse any id that is not a live event type of the organization (422)."""
    asked = list(event_type_ids)
    if not asked:
        return
    found = {
        event_type.id
        for event_type in EventType.live(organization_id).where(EventType.id.in_(asked))
    }
    unknown = [event_type_id for event_type_id in asked if event_type_id not in found]
    if unknown:
        raise RuleViolation(
            "Unknown event type: " + ", ".join(unknown) + ".",
            code="unknown_event_type",
            details={"eventTypeIds": unknown},
        )


def owned(model, object_id: str, organization_id: str, noun: str):
    """The row with this id in the organization; NotFound, as for an unknown id, otherwise."""
    found = model.get_or_none((model.id == object_id) & (model.organization == organization_id))
    if found is None:
        raise NotFound(f"No {noun} with id '{object_id}'.", details={"id": object_id})
    return found
