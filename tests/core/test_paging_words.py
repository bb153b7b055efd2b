"""A ``PagingError`` carries data; ``messages.paging.paging_problem`` (the CLI's, the hook's and the Test button's
words) renders every reason the core can raise, with its facts."""

from __future__ import annotations

import pytest

from airflow_provider_bigcommerce.core.errors import PagingError
from airflow_provider_bigcommerce.messages.paging import PAGING_WORDS, paging_problem
from airflow_provider_bigcommerce.messages.problems import api_problem

pytestmark = pytest.mark.unit

FACTS = {
    "short_after_passes": {"passes": 3},
    "moved_under_position_reads": {"passes": 3},
    "grew_past_ceiling": {"ceiling": 2510},
    "pages_past_ceiling": {"pages": 92},
    "not_whole_number": {"name": "total", "value": "many"},
    "bound_not_whole": {"name": "min_id", "value": "1e3"},
    "id_not_whole": {"value": "None"},
    "parent_id_not_whole": {"value": "'7'"},
    "consignments_malformed": {"order_id": 104, "where": "consignments.email"},
    "date_not_readable": {"value": "'yesterday'"},
    "page_repeats_previous": {"page": 4},
}
EVERY_REASON = sorted((code, reason) for code, reasons in PagingError.REASONS.items() for reason in reasons)


def test_every_reason_the_core_can_raise_has_words_and_nothing_else_does():
    assert {reason for _, reason in EVERY_REASON} == set(PAGING_WORDS)


@pytest.mark.parametrize(("code", "reason"), EVERY_REASON)
def test_each_reason_is_rendered_with_its_list_code_facts_and_a_next_step(code, reason):
    facts = FACTS.get(reason, {})
    error = PagingError(code, "v2/orders", reason, **facts)

    words = paging_problem(error)

    assert words.startswith(f"Reading v2/orders failed ({code}): ")
    assert all(str(value) in words for value in facts.values()), words
    assert "retry" in words
    assert api_problem(error, None) == words


def test_the_counts_are_part_of_the_words_when_the_list_has_them():
    error = PagingError("count_mismatch", "v2/orders", "short_after_passes", expected=900, read=600, passes=3)

    assert "(expected 900, read 600)" in paging_problem(error)
    assert (error.expected, error.read, error.facts) == (900, 600, {"passes": 3})


def test_a_reason_that_is_not_its_codes_is_refused():
    with pytest.raises(ValueError, match="cursor_seen_before"):
        PagingError("count_mismatch", "v2/orders", "cursor_seen_before")


def test_a_short_read_is_put_as_seen_not_blamed_on_the_store_changing():
    error = PagingError("count_mismatch", "v2/orders", "short_after_passes", expected=864, read=846, passes=3)

    words = paging_problem(error)

    assert "changed faster" not in words
    assert "count covers records the list leaves out" in words and "pages ended early" in words
