"""spiders.parsing helpers shared by the spiders: place fields as agencies write them."""

from __future__ import annotations

import pytest

from spiders.parsing import split_city_state_zip
from spiders.warn_md import split_location


@pytest.mark.parametrize(
    ("text", "home", "expected"),
    [
        ("Broken Arrow, Oklahoma 74014", None, ("Broken Arrow", "OK", "74014")),
        ("Tulsa, OK 74103-1234", "OK", ("Tulsa", "OK", "74103")),
        ("Ringgold VA", "MD", ("Ringgold", "VA", None)),
        # A bare state name is a town of the agency's state when it names another state...
        ("Washington", "MD", ("Washington", "MD", None)),
        ("Indiana 15701", "PA", ("Indiana", "PA", "15701")),
        ("Nevada", "MO", ("Nevada", "MO", None)),
        # ...but the agency's own state, a two-letter code, or no home state stays a state.
        ("Maryland", "MD", (None, "MD", None)),
        ("WA", "MD", (None, "WA", None)),
        ("Washington", None, (None, "WA", None)),
        ("Washington, DC 20001", "MD", ("Washington", "DC", "20001")),
        ("", "MD", (None, None, None)),
    ],
)
def test_split_city_state_zip(text, home, expected):
    assert split_city_state_zip(text, home) == expected


def test_a_maryland_site_in_a_town_named_like_a_state_keeps_its_town():
    assert split_location("Washington") == (None, "Washington", "MD", None)
    assert split_location("Delaware") == (None, "Delaware", "MD", None)
    assert split_location("Baltimore, MD 21201") == (None, "Baltimore", "MD", "21201")
