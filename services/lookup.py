"""Finding an organization's object by id without ever disclosing another organization's."""

from .errors import NotFound


def owned(model, object_id: str, organization_id: str, noun: str):
    """The row with this id in the organization; NotFound, as for an unknown id, otherwise."""
    found = model.get_or_none((model.id == object_id) & (model.organization == organization_id))
    if found is None:
        raise NotFound(f"No {noun} with id '{object_id}'.", details={"id": object_id})
    return found
