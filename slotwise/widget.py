"""The booking widget's script: the modules of widget/ joined once at start, served cacheably."""

import hashlib

from flask import Blueprint, Response, current_app, request

from . import ROOT

WIDGET_DIR = ROOT / "widget"
# Each module may use what the ones before it define; widget/README.md explains the order.
MODULES = ("i18n.js", "api.js", "calendar.js", "styles.js", "views.js", "element.js")
SCRIPT_PATH = "/widget/v1/slotwise.js"
# Short: the address is versioned only by its major version, so fixes must reach pages soon.
CACHE_CONTROL = "public, max-age=300"
EXTENSION = "slotwise.widget"

blueprint = Blueprint("widget", __name__)


def assemble() -> str:
    """The modules in load order, inside one function scope so nothing leaks into the page."""
    sources = [f"// widget/{name}\n{(WIDGET_DIR / name).read_text()}" for name in MODULES]
    return (
        "/* Slotwise booking widget v1: <slotwise-booking>. Readable source: widget/ */\n"
        '(() => {\n"use strict";\n\n' + "\n".join(sources) + "})();\n"
    )


def register(flask_app) -> None:
    """Mount the script, assembled and hashed once, here."""
    body = assemble().encode()
    flask_app.extensions[EXTENSION] = (body, hashlib.sha256(body).hexdigest()[:32])
    flask_app.register_blueprint(blueprint)


@blueprint.get(SCRIPT_PATH)
def script():
    """Serve the widget script, or 304 when the browser's copy is current."""
    body, etag = current_app.extensions[EXTENSION]
    response = Response(body, content_type="text/javascript; charset=utf-8")
    response.set_etag(etag)
    response.headers["Cache-Control"] = CACHE_CONTROL
    # Any page may load it; the widget key and the server decide what it may do.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)
