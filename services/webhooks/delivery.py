"""Attempting deliveries: one POST per attempt, logged, then retried, given up or disabled."""

import random
from datetime import datetime, timedelta

from models import DomainEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint, write_transaction

from .. import work
from . import signing, transport
from .endpoints import get_endpoint

# Failed attempts in a row (across deliveries) after which an endpoint is disabled.
DISABLE_AFTER_FAILURES = 20
GONE_REASON = "The endpoint answered 410 Gone."
FAILURES_REASON = f"{DISABLE_AFTER_FAILURES} delivery attempts in a row failed."
JITTER = 0.1

_random = random.SystemRandom()


def _retry_at(attempts: int, now: datetime, waits) -> datetime | None:
    """When attempt ``attempts + 1`` is due: wait i follows failed attempt i, ±10 %."""
    if attempts > len(waits):
        return None
    seconds = waits[attempts - 1] * _random.uniform(1 - JITTER, 1 + JITTER)
    return now + timedelta(seconds=seconds)


def _count_failure(endpoint_id: str, gone: bool, now: datetime) -> bool:
    """Add a failure to the endpoint's streak; disable it if it must be. True if disabled."""
    query = WebhookEndpoint.id == endpoint_id
    WebhookEndpoint.update(consecutive_failures=WebhookEndpoint.consecutive_failures + 1).where(
        query
    ).execute()
    failures = WebhookEndpoint.get(query).consecutive_failures
    if not gone and failures < DISABLE_AFTER_FAILURES:
        return False
    reason = GONE_REASON if gone else FAILURES_REASON
    WebhookEndpoint.update(active=False, disabled_reason=reason, updated_at=now).where(
        query & WebhookEndpoint.active
    ).execute()
    return True


def _record(
    delivery: WebhookDelivery, outcome: transport.Outcome, *, now: datetime, waits
) -> datetime | None:
    """Log the attempt and move the delivery on; the time of the next attempt, if any."""
    attempts = delivery.attempts + 1
    retry_at = None
    with write_transaction():
        if WebhookDelivery.get_or_none(WebhookDelivery.id == delivery.id) is None:
            return None  # The endpoint was deleted while the request was under way.
        WebhookAttempt.create(
            delivery=delivery.id,
            started_at=now,
            duration_ms=outcome.duration_ms,
            response_status=outcome.status,
            error=outcome.error,
        )
        if outcome.delivered:
            status = "delivered"
            WebhookEndpoint.update(consecutive_failures=0).where(
                WebhookEndpoint.id == delivery.endpoint_id
            ).execute()
        else:
            disabled = _count_failure(delivery.endpoint_id, outcome.gone, now)
            retry_at = None if disabled else _retry_at(attempts, now, waits)
            status = "failed" if retry_at is None else "pending"
        WebhookDelivery.update(
            status=status,
            attempts=attempts,
            next_attempt_at=retry_at,
            locked_until=None,
            last_response_status=outcome.status,
            last_error=outcome.error,
            last_duration_ms=outcome.duration_ms,
            delivered_at=now if outcome.delivered else None,
        ).where(WebhookDelivery.id == delivery.id).execute()
    return retry_at


def _refuse_inactive(delivery: WebhookDelivery, endpoint: WebhookEndpoint) -> None:
    reason = f" ({endpoint.disabled_reason})" if endpoint.disabled_reason else ""
    WebhookDelivery.update(
        status="failed",
        next_attempt_at=None,
        locked_until=None,
        last_error=f"Not sent: the endpoint is inactive{reason}. Re-enable it with active: true.",
    ).where(WebhookDelivery.id == delivery.id).execute()


def _attempt(delivery: WebhookDelivery, *, now: datetime, config: dict, waits) -> datetime | None:
    endpoint = WebhookEndpoint.get_or_none(WebhookEndpoint.id == delivery.endpoint_id)
    if endpoint is None:
        return None  # Deleted since the claim, with its deliveries.
    if not endpoint.active:
        _refuse_inactive(delivery, endpoint)
        return None
    event = DomainEvent.get_by_id(delivery.event_id)
    body = signing.event_body(event)
    headers = signing.delivery_headers(endpoint, event, body, now)
    # No transaction is open while the receiver takes its time.
    outcome = transport.send(endpoint.url, body, headers, config=config)
    return _record(delivery, outcome, now=now, waits=waits)


def deliver(delivery_id: str, *, now: datetime, config: dict) -> datetime | None:
    """Attempt a due delivery once; the time of its next attempt if it is to be retried.

    None when there is nothing more to do, also when another worker holds the delivery or
    it is no longer pending. ``now`` is the attempt's time: the clock is read only to time
    the request.
    """
    lease = timedelta(seconds=config["JOB_LEASE_SECONDS"])
    delivery = work.claim(WebhookDelivery, delivery_id, now, lease)
    if delivery is None:
        return None
    return _attempt(delivery, now=now, config=config, waits=config["RETRY_SECONDS"])


def send_ping(principal, webhook_id: str, *, now: datetime, config: dict) -> WebhookDelivery:
    """Send a ``ping`` event to the endpoint now, once; the delivery, delivered or failed."""
    endpoint = get_endpoint(principal, webhook_id)
    with write_transaction():
        # Written as already dispatched: the ping is for this endpoint only, not for every
        # endpoint subscribed to ping.
        event = DomainEvent.create(
            organization=endpoint.organization_id,
            type="ping",
            data={"webhookId": endpoint.id},
            created_at=now,
            dispatched_at=now,
        )
        # Without next_attempt_at no worker or sweep ever picks it up: it is not retried.
        delivery = WebhookDelivery.create(endpoint=endpoint, event=event, created_at=now)
    _attempt(delivery, now=now, config=config, waits=())
    return WebhookDelivery.get_by_id(delivery.id)
