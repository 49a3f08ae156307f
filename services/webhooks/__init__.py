"""Webhooks: endpoints subscribed to events, and signed, logged, retried deliveries.

``endpoints`` manages the subscriptions, ``ssrf`` keeps their URLs off private networks,
``signing`` builds the body and its signatures, ``transport`` makes one POST, ``delivery``
attempts, retries and gives up, and ``deliveries`` reads and replays the log.
"""

from .deliveries import attempts_of, get_delivery, list_deliveries, redeliver
from .delivery import deliver, send_ping
from .endpoints import (
    create_endpoint,
    delete_endpoint,
    get_endpoint,
    list_endpoints,
    rotate_secret,
    update_endpoint,
)
from .ssrf import UrlNotAllowed

__all__ = [
    "UrlNotAllowed",
    "attempts_of",
    "create_endpoint",
    "delete_endpoint",
    "deliver",
    "get_delivery",
    "get_endpoint",
    "list_deliveries",
    "list_endpoints",
    "redeliver",
    "rotate_secret",
    "send_ping",
    "update_endpoint",
]
