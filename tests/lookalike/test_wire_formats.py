"""Dates and money as BigCommerce writes and reads them (docs/bigcommerce.md "Wire formats")."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from bigcommerce_lookalike.formats import (
    iso8601,
    money,
    parse_v2_datetime,
    parse_v3_datetime,
    rfc2822,
)


def test_dates_are_written_like_the_standard_library_would_in_utc():
    moments = [0, 1544041015, 1751284799, *random.Random(1).sample(range(2**31), 500)]

    for epoch in moments:
        moment = datetime.fromtimestamp(epoch, UTC)
        assert rfc2822(epoch) == moment.strftime("%a, %d %b %Y %H:%M:%S +0000")
        assert iso8601(epoch) == moment.isoformat()


def test_v2_money_has_four_decimals():
    assert [money(cents) for cents in (0, 5, 33632, 100000)] == ["0.0000", "0.0500", "336.3200", "1000.0000"]


@pytest.mark.parametrize(
    "text",
    ["Thu, 20 Apr 2017 11:32:00 -0400", "2017-04-20T11:32:00.000-04:00", "2017-04-20T15:32:00Z", "1492702320"],
)
def test_v2_date_filters_accept_rfc_2822_iso_8601_and_epoch(text):
    assert parse_v2_datetime(text) == datetime(2017, 4, 20, 15, 32, tzinfo=UTC).timestamp()


def test_v3_date_only_filter_takes_the_current_time_of_day():
    now = datetime(2030, 1, 1, 14, 7, 31, 500000, tzinfo=UTC).timestamp()

    assert parse_v3_datetime("2024-01-05", now) == datetime(2024, 1, 5, 14, 7, 31, tzinfo=UTC).timestamp()
    assert parse_v3_datetime("2024-01-05T00:00:00Z", now) == datetime(2024, 1, 5, tzinfo=UTC).timestamp()


@pytest.mark.parametrize("text", ["yesterday", "2024-13-45", "Thu, 99 Foo 2017"])
def test_unreadable_dates_raise_value_error(text):
    with pytest.raises(ValueError):
        parse_v2_datetime(text)
