"""The app factory: configuration in, a Connexion (ASGI) app out."""

import contextlib
import copy
from functools import cache

import yaml
from a2wsgi import WSGIMiddleware
from connexion import FlaskApp
from connexion.jsonifier import Jsonifier
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from starlette.concurrency import run_in_threadpool

from models import db, open_database

from . import ROOT, docs, errors, idempotency, jobs, pages, ratelimits, security, widget
from . import config as configuration
from .cors import CorsMiddleware
from .headers import SecurityHeadersMiddleware
from .middleware import RequestContextMiddleware, trusted_networks
from .runtime import Runtime
from .validation import VALIDATORS

SPEC_PATH = ROOT / "openapi.yaml"
INTERACTIVE_DOCS_PATH = "/api/v1/ui"


def load_spec() -> dict:
    """The parsed spec, a fresh copy for each caller (Connexion adds to what it is given)."""
    return copy.deepcopy(_parsed_spec())


@cache
def _parsed_spec() -> dict:
    # The C loader when PyYAML has it: tests build many apps, and parsing dominates.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with SPEC_PATH.open() as handle:
        return yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader


def create_app(config: dict | None = None) -> FlaskApp:
    """Build the app; ``config`` overrides defaults and SLOTWISE_* environment variables."""
    settings = configuration.load(config)
    db.initialize(
        open_database(
            settings["DATABASE_URL"],
            settings["DATABASE_POOL_SIZE"],
            settings["SQLITE_SYNCHRONOUS"],
        )
    )
    spec = load_spec()

    huey = jobs.build(settings)
    limiter = ratelimits.create(settings)
    app = FlaskApp(
        __name__,
        lifespan=_lifespan(huey, settings["INPROCESS_WORKER"]),
        specification_dir=ROOT,
        jsonifier=Jsonifier(separators=(",", ":")),
        validator_map=VALIDATORS,
        resolver=ratelimits.resolver(limiter, settings),
        # The docs serve the spec themselves (slotwise/docs.py); the UI reads it from there.
        swagger_ui_options=SwaggerUIOptions(
            serve_spec=False,
            spec_path="/api/v1/openapi.json",
            swagger_ui_path=INTERACTIVE_DOCS_PATH,
        ),
        server_args={
            "template_folder": str(ROOT / "templates"),
            "static_folder": str(ROOT / "static"),
        },
    )
    app.add_api(
        spec,
        strict_validation=True,
        validate_responses=settings["VALIDATE_RESPONSES"],
        pythonic_params=True,
    )
    app.app.config.update(settings)
    # Connexion hands requests to Flask through a2wsgi's adapter with its default of 10
    # threads (FlaskApp offers no setting); the same adapter with the configured number
    # replaces it.
    app._middleware_app.asgi_app = WSGIMiddleware(
        app.app.wsgi_app, workers=settings["REQUEST_THREADS"]
    )
    # Added first, so it is the outermost: every response passes it, refusals included.
    app.add_middleware(
        SecurityHeadersMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        interactive_docs_paths=(f"{INTERACTIVE_DOCS_PATH}/", f"{INTERACTIVE_DOCS_PATH}/index.html"),
    )
    app.add_middleware(
        RequestContextMiddleware,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        runtime=Runtime.from_spec(
            spec,
            secret_key=settings["SECRET_KEY"],
            max_body_bytes=settings["MAX_BODY_BYTES"],
            trusted_proxies=trusted_networks(settings["TRUSTED_PROXIES"]),
            key_cache_seconds=settings["KEY_CACHE_SECONDS"],
        ),
    )
    app.add_middleware(
        ratelimits.AuthFailureLimit,
        position=MiddlewarePosition.BEFORE_EXCEPTION,
        limit=settings["AUTH_FAILURE_LIMIT"],
        storage=ratelimits.storage_uri(settings),
        enabled=settings["RATELIMIT_ENABLED"],
    )
    app.add_middleware(CorsMiddleware, position=MiddlewarePosition.BEFORE_EXCEPTION)
    errors.register(app)
    docs.register(app.app, spec)
    widget.register(app.app)
    pages.register(app.app)
    # Before idempotency claims a key: a refused request is not remembered.
    app.app.before_request(security.refuse_rejected_widget_key)
    idempotency.register(app.app)
    ratelimits.install(limiter, app.app)

    # Peewee connects on a request's first query; closing here ends every request clean.
    @app.app.teardown_request
    def _close(_exc):
        if not db.is_closed():
            db.close()

    return app


def _lifespan(huey, inprocess_worker: bool):
    """Run the job consumer beside the web server, unless separate workers do."""

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        consumer = jobs.start_consumer(huey) if inprocess_worker else None
        try:
            yield
        finally:
            if consumer is not None:
                await run_in_threadpool(consumer.stop, graceful=True)

    return lifespan


def create_asgi_app():
    """Factory for uvicorn's ``--factory``: each worker process builds its own app."""
    return create_app()
