"""The second yardstick for bench/api.py: Connexion alone, with nothing of Slotwise.

The bare app's 20-item list as one operation of an OpenAPI spec, behind a bearer security
function that accepts any token, with a validated query parameter: what Connexion's routing,
security and validation cost before an application does anything.
"""

import json

from connexion import FlaskApp
from connexion.jsonifier import Jsonifier

from bench.bare_app import ITEMS, item

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Connexion alone", "version": "1"},
    "components": {
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "x-bearerInfoFunc": "bench.connexion_app.accept",
            }
        }
    },
    "paths": {
        "/items": {
            "get": {
                "operationId": "bench.connexion_app.items",
                "security": [{"bearer": []}],
                "parameters": [
                    {
                        "name": "limit",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The items",
                        "content": {"application/json": {"schema": {"type": "array"}}},
                    }
                },
            }
        }
    },
}


async def accept(token):
    return {"sub": "bench"}


def items(limit=ITEMS):
    return [item(n) for n in range(limit)], 200


def create_app():
    app = FlaskApp(__name__, jsonifier=Jsonifier(json, separators=(",", ":")))
    app.add_api(SPEC)
    return app
