"""The /docs guides, rendered with Jinja2 from templates/docs and the spec itself."""

from flask import Blueprint, redirect, render_template

blueprint = Blueprint("docs", __name__)


def register(flask_app, spec: dict) -> None:
    flask_app.config["SLOTWISE_SPEC"] = spec
    flask_app.register_blueprint(blueprint)


@blueprint.get("/")
def root():
    return redirect("/docs/", code=302)


@blueprint.get("/docs/")
def index():
    return render_template("docs/index.html")
