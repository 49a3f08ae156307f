"""The /docs guides and API reference, rendered with Jinja2 from templates/docs, and the spec."""

from connexion.jsonifier import Jsonifier
from flask import Blueprint, Response, current_app, redirect, render_template, request

from .reference import build_docs

blueprint = Blueprint("docs", __name__)

EXTENSION = "slotwise.docs"
SPEC_EXTENSION = "slotwise.spec_json"
# The browser then enforces what the tests check: every asset comes from this server.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# The widget guide's snippet generator runs a script from this server; no other page does.
SCRIPTED_PAGES = {"docs.widget"}
SCRIPTED_CONTENT_SECURITY_POLICY = "script-src 'self'; " + CONTENT_SECURITY_POLICY


def register(flask_app, spec: dict) -> None:
    """Mount the docs, with everything taken from the spec computed once, here."""
    flask_app.extensions[EXTENSION] = build_docs(spec)
    # As written, $refs kept: Connexion's own copy inlines them all, and a client generator
    # then makes a class per response (five error classes per operation), not one per schema.
    # Connexion's jsonifier writes the dates YAML parsed as ISO dates.
    flask_app.extensions[SPEC_EXTENSION] = Jsonifier().dumps(spec)
    flask_app.register_blueprint(blueprint)


def _page(name: str):
    return render_template(f"docs/{name}.html", docs=current_app.extensions[EXTENSION])


@blueprint.after_request
def _restrict_assets(response):
    response.headers["Content-Security-Policy"] = (
        SCRIPTED_CONTENT_SECURITY_POLICY
        if request.endpoint in SCRIPTED_PAGES
        else CONTENT_SECURITY_POLICY
    )
    return response


@blueprint.get("/")
def root():
    """Send visitors of the bare host to the docs."""
    return redirect("/docs/", code=302)


@blueprint.get("/docs/")
def index():
    """Show the quick start."""
    return _page("index")


@blueprint.get("/docs/authentication")
def authentication():
    """Explain secret keys, the ways to send them, scopes and rotation."""
    return _page("authentication")


@blueprint.get("/docs/errors")
def errors():
    """Explain the error body and every status the API answers with."""
    return _page("errors")


@blueprint.get("/docs/pagination")
def pagination():
    """Explain paging through list endpoints."""
    return _page("pagination")


@blueprint.get("/docs/bookings")
def bookings():
    """Explain booking, its states, the invitee's links and safe retries."""
    return _page("bookings")


@blueprint.get("/docs/locations")
def locations():
    """Explain saved locations, event types that use them, and what bookings keep."""
    return _page("locations")


@blueprint.get("/docs/scheduling")
def scheduling():
    """Explain how slots are computed, including across daylight-saving changes."""
    return _page("scheduling")


@blueprint.get("/docs/webhooks")
def webhooks():
    """Explain webhook events, signatures, retries and the private-address rule."""
    return _page("webhooks")


@blueprint.get("/docs/workflows")
def workflows():
    """Explain workflows: triggers, offsets across daylight saving, templates and runs."""
    return _page("workflows")


@blueprint.get("/docs/billing")
def billing():
    """Explain prices, taxes and their rounding, invoices, payments and refunds."""
    return _page("billing")


@blueprint.get("/docs/widget")
def widget():
    """Explain embedding the booking widget, its keys and the hosted booking page."""
    return _page("widget")


@blueprint.get("/docs/reference")
def reference():
    """Show every operation of the spec, grouped by tag."""
    return _page("reference")


@blueprint.get("/api/v1/openapi.json")
def openapi_json():
    """Serve the spec as written, its components referenced by $ref."""
    return Response(current_app.extensions[SPEC_EXTENSION], mimetype="application/json")
