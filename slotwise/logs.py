"""How ``slotwise serve`` logs: uvicorn's format for every logger, and no secrets.

The level given with ``--log-level`` applies to Slotwise's own loggers and the libraries'
too (peewee's SQL at ``debug``, without its values: see models.base).
"""

import copy
import logging
import re

from uvicorn.config import LOGGING_CONFIG

# The invitee's links carry their manage token in the address: /manage/<booking>?token=…
_TOKEN_VALUE = re.compile(r"((?:\?|&|%3F|%26)token=)[^&\s\"]*", re.IGNORECASE)


def without_tokens(text: str) -> str:
    return _TOKEN_VALUE.sub(r"\1[hidden]", text)


class HideTokens(logging.Filter):
    """Drop the value of every ``token`` query parameter from a record's arguments."""

    def filter(self, record):
        if isinstance(record.args, tuple):
            record.args = tuple(
                without_tokens(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


def serve_config(level: str) -> dict:
    """uvicorn's logging configuration, extended to the root logger at ``level``."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"hide_tokens": {"()": HideTokens}}
    for handler in config["handlers"].values():
        handler["filters"] = ["hide_tokens"]
    config["root"] = {"handlers": ["default"], "level": level.upper()}
    # httpx logs every webhook delivery's URL, and some receivers put their secret in it.
    config["loggers"]["httpx"] = {"level": "WARNING"}
    return config
