"""Slotwise's wiring: app factory, configuration, security, errors, middleware, docs and CLI."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
