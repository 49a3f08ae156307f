"""The hosted pages: a booking page per event type, its short link, and the invitee's page
for one booking."""

import contextlib

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from peewee import fn

from models import ACTIVE_STATUSES, EventType, Organization
from services import bookings, locations, widget_keys
from services.errors import Conflict, NotFound
from services.mail.content import time_range

blueprint = Blueprint("pages", __name__)

WIDGET_SCRIPT = "/widget/v1/slotwise.js"
# What the widget understands; anything else in the page's query is left out.
LOCALES = ("en", "de", "fr", "es")
THEMES = ("light", "dark")
# As CancelRequest.reason in openapi.yaml.
REASON_MAX_LENGTH = 1000
SUMMARY_LENGTH = 160
STATUS_LABELS = {
    "CONFIRMED": "Confirmed",
    "PENDING": "Waiting for the host to confirm",
    "CANCELLED": "Cancelled",
    "DECLINED": "Declined by the host",
}
# Everything from this server: the widget script, its API calls, the stylesheet.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def register(flask_app) -> None:
    flask_app.register_blueprint(blueprint)


@blueprint.after_request
def _secure(response):
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    if request.endpoint in ("pages.manage", "pages.cancel"):
        # The invitee's page carries their token in its address: keep it out of
        # caches, search engines and Referer headers.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@blueprint.get("/book/<org_slug>/<event_type_slug>")
def book(org_slug: str, event_type_slug: str):
    """Show an event type's booking page, with the widget."""
    event_type = (
        EventType.select(EventType, Organization)
        .join(Organization)
        .where(
            (Organization.slug == org_slug)
            & (EventType.slug == event_type_slug)
            & EventType.deleted_at.is_null()
            & EventType.active
        )
        .first()
    )
    if event_type is None:
        return _not_found()
    organization = event_type.organization
    options = request.args
    return render_template(
        "pages/book.html",
        organization=organization,
        event_type=event_type,
        duration=duration(event_type.duration_minutes),
        # Only the kind: the meeting link or address is for those who booked.
        location=locations.kind_label(locations.type_of(event_type)),
        summary=summary(event_type, organization.name),
        widget_script=WIDGET_SCRIPT,
        widget_key=widget_keys.hosted_page_key(organization.id),
        theme=options.get("theme") if options.get("theme") in THEMES else "light",
        locale=options.get("locale") if options.get("locale") in LOCALES else None,
        prefill_name=options.get("name"),
        prefill_email=options.get("email"),
    )


@blueprint.get("/b/<code>")
def short_link(code: str):
    """Send a short booking link on to its event type's booking page."""
    event_type = (
        EventType.select(EventType.slug, Organization.slug)
        .join(Organization)
        .where(
            (fn.LOWER(EventType.short_code) == code.lower())
            & EventType.deleted_at.is_null()
            & EventType.active
        )
        .first()
    )
    if event_type is None:
        return _not_found()
    target = url_for(
        "pages.book", org_slug=event_type.organization.slug, event_type_slug=event_type.slug
    )
    # The page's options (theme, locale, name, email) travel along.
    query = request.query_string.decode("latin-1")
    return redirect(f"{target}?{query}" if query else target, code=302)


@blueprint.get("/manage/<booking_id>")
def manage(booking_id: str):
    """Show the invitee their booking, with a way to cancel or move it."""
    token = request.args.get("token", "")
    booking = _invitees(booking_id, token)
    if booking is None:
        return _not_found()
    event_type = booking.event_type
    active = booking.status in ACTIVE_STATUSES
    # The service refuses to move a booking whose event type is no longer offered.
    can_reschedule = active and event_type.active and event_type.deleted_at is None
    zone = booking.invitee_timezone
    latest = bookings.history(booking)[-1]
    return render_template(
        "pages/manage.html",
        booking=booking,
        token=token,
        event_type=event_type,
        organization=booking.organization,
        when=time_range(booking.start_at, booking.end_at, zone),
        # Confirms a move just made with the widget, and tells of it on later visits.
        moved_from=time_range(latest.previous_start_at, latest.previous_end_at, zone)
        if latest.type == "rescheduled"
        else None,
        status=STATUS_LABELS.get(booking.status, booking.status.title()),
        location=locations.describe(booking.location),
        can_cancel=active,
        can_reschedule=can_reschedule,
        reason_max_length=REASON_MAX_LENGTH,
        widget_script=WIDGET_SCRIPT,
        widget_key=widget_keys.hosted_page_key(booking.organization_id) if can_reschedule else None,
    )


@blueprint.post("/manage/<booking_id>/cancel")
def cancel(booking_id: str):
    """Cancel the invitee's booking, then show it again."""
    token = request.form.get("token", "")
    booking = _invitees(booking_id, token)
    if booking is None:
        return _not_found()
    reason = request.form.get("reason", "").strip()[:REASON_MAX_LENGTH]
    # Cancelled already (a second click, another tab) or declined: the page says so.
    with contextlib.suppress(Conflict):
        bookings.cancel(booking, actor=bookings.INVITEE, reason=reason)
    # 303, so reloading the page that follows does not post the form again.
    return redirect(url_for("pages.manage", booking_id=booking_id, token=token), code=303)


def _invitees(booking_id: str, token: str):
    try:
        return bookings.for_invitee(booking_id, token, current_app.config["SECRET_KEY"])
    except NotFound:
        return None


def _not_found():
    # One page for every miss, so a wrong token cannot tell that a booking exists.
    return render_template("pages/not_found.html"), 404


def duration(minutes: int) -> str:
    """``30 minutes``, ``1 hour``, ``1 hour 30 minutes``."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def summary(event_type: EventType, organization_name: str) -> str:
    """One line for search results and link previews: the description, or what it is."""
    text = " ".join(event_type.description.split())
    if not text:
        length = duration(event_type.duration_minutes)
        return f"Book {event_type.title} ({length}) with {organization_name}."
    if len(text) <= SUMMARY_LENGTH:
        return text
    return text[: SUMMARY_LENGTH - 1].rsplit(" ", 1)[0] + "…"
