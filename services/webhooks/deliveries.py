"""An endpoint's delivery log: list it, read one delivery's attempts, deliver again."""

from datetime import datetime

from models import DomainEvent, WebhookAttempt, WebhookDelivery, write_transaction

from .. import work
from ..errors import NotFound
from ..pagination import Page, paginate
from .endpoints import get_endpoint


def _with_event_type():
    # The event's type is in every representation; its data (large) is in none.
    return WebhookDelivery.select(WebhookDelivery, DomainEvent.id, DomainEvent.type).join(
        DomainEvent
    )


def list_deliveries(
    principal, webhook_id: str, *, status: str | None = None, page: int, limit: int
) -> Page:
    """The endpoint's deliveries, newest first, optionally only those in ``status``."""
    endpoint = get_endpoint(principal, webhook_id)
    query = _with_event_type().where(WebhookDelivery.endpoint == endpoint.id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return paginate(
        query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc()), page, limit
    )


def get_delivery(principal, webhook_id: str, delivery_id: str) -> WebhookDelivery:
    """A delivery of one of the organization's endpoints; NotFound for any other id."""
    endpoint = get_endpoint(principal, webhook_id)
    delivery = (
        _with_event_type()
        .where((WebhookDelivery.id == delivery_id) & (WebhookDelivery.endpoint == endpoint.id))
        .first()
    )
    if delivery is None:
        raise NotFound(f"No webhook delivery with id '{delivery_id}'.", details={"id": delivery_id})
    return delivery


def attempts_of(delivery: WebhookDelivery) -> list[WebhookAttempt]:
    """Every attempt of the delivery, in the order they were made."""
    return list(
        WebhookAttempt.select()
        .where(WebhookAttempt.delivery == delivery.id)
        .order_by(WebhookAttempt.started_at, WebhookAttempt.id)
    )


def redeliver(principal, webhook_id: str, delivery_id: str, *, now: datetime) -> WebhookDelivery:
    """Queue the delivery again, whatever its state: the same event, signed anew.

    Its attempts keep counting: a delivery that had used up its retry schedule gets one
    more attempt, one still being retried continues its schedule.
    """
    delivery = get_delivery(principal, webhook_id, delivery_id)
    with write_transaction():
        # The lease is cleared too, so a worker stuck on an earlier attempt does not delay it.
        WebhookDelivery.update(status="pending", next_attempt_at=now, locked_until=None).where(
            WebhookDelivery.id == delivery.id
        ).execute()
        work.after_commit(work.DELIVER_WEBHOOK, delivery.id)
    return get_delivery(principal, webhook_id, delivery_id)
