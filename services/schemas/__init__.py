"""Marshmallow schemas: the API's JSON shapes, shared by responses and webhook payloads."""
