"""Identifiers: a prefix and 20 random characters of a-z and 0-9."""

import re
import string

from models import new_id


def test_ids_are_prefixed_random_and_use_every_character_everywhere():
    ids = [new_id("bkg") for _ in range(3000)]

    assert all(re.fullmatch(r"bkg_[a-z0-9]{20}", found) for found in ids)
    assert len(set(ids)) == len(ids)
    # Every character shows up at every position: no position is fixed or narrowed.
    alphabet = set(string.ascii_lowercase + string.digits)
    for position in range(4, 24):
        assert {found[position] for found in ids} == alphabet
