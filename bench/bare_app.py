"""The yardstick for bench/api.py: a bare Flask app answering a 20-item JSON list.

It goes through the same layers under Flask as Slotwise does (uvicorn, then a2wsgi's
WSGIMiddleware, the adapter Connexion's FlaskApp uses), so the difference between the two
is Connexion and Slotwise's own work.
"""

from a2wsgi import WSGIMiddleware
from flask import Flask, jsonify

ITEMS = 20


def item(n: int) -> dict:
    return {
        "id": f"item_{n:020d}",
        "status": "CONFIRMED",
        "startTime": f"2026-03-{n + 1:02d}T09:00:00.000Z",
        "endTime": f"2026-03-{n + 1:02d}T09:30:00.000Z",
        "inviteeName": f"Invitee {n}",
        "inviteeEmail": f"invitee{n}@example.com",
    }


def create_app():
    """Factory for uvicorn's ``--factory``, as Slotwise's ``create_asgi_app`` is."""
    app = Flask(__name__)
    app.json.compact = True

    @app.get("/items")
    def items():
        return jsonify([item(n) for n in range(ITEMS)])

    return WSGIMiddleware(app.wsgi_app)
