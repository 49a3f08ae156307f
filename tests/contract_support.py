"""What the Schemathesis tests share: data formats, tests/schemathesis.toml, and the keys
every generated request carries.

The Schemathesis command line loads this module too (``SCHEMATHESIS_HOOKS``, in
``make fuzz``) for the formats."""

import tomllib
from collections.abc import Callable
from datetime import UTC
from pathlib import Path

import schemathesis
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from services.timeutil import known_timezones

schemathesis.openapi.format("timezone", st.sampled_from(sorted(known_timezones())))
schemathesis.openapi.format(
    "date-or-date-time",
    st.one_of(
        st.dates().map(lambda day: day.isoformat()),
        st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat()),
    ),
)

SETTINGS = tomllib.loads((Path(__file__).parent / "schemathesis.toml").read_text())


def contract_config(*operations: dict, **settings) -> SchemathesisConfig:
    """tests/schemathesis.toml, with more per-operation and top-level settings."""
    return SchemathesisConfig.from_dict(
        {**SETTINGS, **settings, "operations": [*SETTINGS["operations"], *operations]}
    )


def send_keys(schema, keys: Callable[[], tuple[str, str]]) -> None:
    """Send ``keys()``'s secret key and widget key with every request ``schema`` makes."""

    @schema.auth(refresh_interval=None)
    class Keys:
        """A secret key for /api/v1, and a widget key for the public endpoints."""

        def get(self, case, context):
            return keys()

        def set(self, case, data, context):
            secret, public = data
            case.headers = {
                **(case.headers or {}),
                "Authorization": f"Bearer {secret}",
                "X-Widget-Key": public,
            }
