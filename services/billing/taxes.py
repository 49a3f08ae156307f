"""Tax rates: named percentages, added to prices or contained in them.

Invoices copy a tax into each line when they compute it, so changing or deleting a tax
leaves every invoice written before as it was.
"""

from datetime import datetime

from models import EventType, Tax, db

from ..errors import Conflict, RuleViolation
from ..lookup import oldest_first, owned
from ..pagination import Page, paginate
from ..text import clean_name
from .money import AppliedTax, rate_ppm


def _columns(fields: dict) -> dict:
    values = {}
    if "name" in fields:
        values["name"] = clean_name(fields["name"], "name")
    if "ratePercent" in fields:
        values["rate_ppm"] = rate_ppm(fields["ratePercent"])
    if "inclusive" in fields:
        values["inclusive"] = fields["inclusive"]
    return values


def list_taxes(principal, *, page: int, limit: int) -> Page:
    """The organization's taxes, oldest first."""
    return paginate(oldest_first(Tax, principal.organization_id), page, limit)


def get_tax(principal, tax_id: str) -> Tax:
    """A tax of the organization; NotFound for any other id."""
    return owned(Tax, tax_id, principal.organization_id, "tax")


def create_tax(principal, fields: dict, *, now: datetime) -> Tax:
    """Add a tax from API ``fields``."""
    return Tax.create(
        organization=principal.organization_id, created_at=now, updated_at=now, **_columns(fields)
    )


def update_tax(principal, tax_id: str, fields: dict, *, now: datetime) -> Tax:
    """Change the fields given; invoices already written keep the rate they were computed with."""
    tax = get_tax(principal, tax_id)
    for column, value in _columns(fields).items():
        setattr(tax, column, value)
    tax.updated_at = now
    tax.save()
    return tax


def delete_tax(principal, tax_id: str) -> None:
    """Delete a tax no live event type charges; deleted event types lose it.

    A live event type that charges it makes this a 409: prices would silently change.
    """
    tax = get_tax(principal, tax_id)
    with db.atomic():
        users = list(
            EventType.live(principal.organization_id)
            .select(EventType.id)
            .where(EventType.tax == tax.id)
            .order_by(EventType.id)
        )
        if users:
            ids = [event_type.id for event_type in users]
            raise Conflict(
                f"Event types still charge this tax: {', '.join(ids)}. Change their taxId first.",
                code="tax_in_use",
                details={"eventTypeIds": ids},
            )
        EventType.update(tax=None).where(EventType.tax == tax.id).execute()
        tax.delete_instance()


def applied(tax: Tax) -> AppliedTax:
    return AppliedTax(id=tax.id, name=tax.name, rate_ppm=tax.rate_ppm, inclusive=tax.inclusive)


def referenced_tax(organization_id: str, tax_id: str, field: str = "taxId") -> Tax:
    """The organization's tax that a request names; an unknown one is a 422, like a schedule."""
    tax = Tax.get_or_none((Tax.id == tax_id) & (Tax.organization == organization_id))
    if tax is None:
        raise RuleViolation(
            f"No tax with id '{tax_id}' in this organization.",
            code="unknown_tax",
            details={field: "no such tax"},
        )
    return tax
