"""Taxes: rates charged on prices, added on top or contained in them."""

from models import utcnow
from services.billing import taxes
from services.schemas.base import page_of
from services.schemas.billing import TaxSchema

from .context import principal


def list_taxes(page: int = 1, limit: int = 20):
    """List the organization's taxes, oldest first."""
    return page_of(taxes.list_taxes(principal(), page=page, limit=limit), TaxSchema()), 200


def create_tax(body: dict):
    """Add a tax."""
    return TaxSchema().dump(taxes.create_tax(principal(), body, now=utcnow())), 201


def get_tax(tax_id: str):
    """Return a tax."""
    return TaxSchema().dump(taxes.get_tax(principal(), tax_id)), 200


def update_tax(tax_id: str, body: dict):
    """Change the given fields of a tax."""
    return TaxSchema().dump(taxes.update_tax(principal(), tax_id, body, now=utcnow())), 200


def delete_tax(tax_id: str):
    """Delete a tax that no live event type charges."""
    taxes.delete_tax(principal(), tax_id)
    return None, 204
