"""The limiter's pacing rules on a simulated clock, in milliseconds, no HTTP (the wire: test_client_rate_limit)."""

from __future__ import annotations

import math
import threading

import pytest

from airflow_provider_bigcommerce.core.http.rate_limit import (
    MAX_WAIT_S,
    MIN_WINDOW_S,
    Permit,
    RateLimiter,
    RateLimitReading,
)

pytestmark = pytest.mark.unit


class FakeClock:
    """Time that passes only when the limiter waits or the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def wait(self, condition: threading.Condition, timeout: float) -> None:
        self.now += timeout


def _headers(quota=100, left=100, window_ms=30_000, reset_ms=30_000, retry_after=None) -> dict[str, str]:
    headers = {
        "X-Rate-Limit-Requests-Quota": str(quota),
        "X-Rate-Limit-Requests-Left": str(left),
        "X-Rate-Limit-Time-Window-Ms": str(window_ms),
        "X-Rate-Limit-Time-Reset-Ms": str(reset_ms),
    }
    if retry_after is not None:
        headers["X-Retry-After"] = str(retry_after)
    return headers


def _escalating(n: int) -> float:
    return 0.1 * 2 ** (n - 1)


def _answer(limiter: RateLimiter, permit: Permit, status: int = 200, headers: dict[str, str] | None = None) -> float:
    reading = RateLimitReading.from_headers(headers or {})
    return limiter.note_response(permit, status, reading, bare_429_backoff=_escalating)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def limiter(clock: FakeClock) -> RateLimiter:
    return RateLimiter(clock)


def test_without_figures_one_probe_goes_alone_and_its_answer_frees_the_rest(limiter):
    probe = limiter.acquire()

    assert probe.waited_s == 0
    assert limiter.send_delay() > 0  # the others wait for the probe's answer
    _answer(limiter, probe, headers=_headers())
    assert limiter.send_delay() == 0


def test_plenty_left_sends_a_burst_without_waiting(limiter):
    _answer(limiter, limiter.acquire(), headers=_headers(quota=100, left=90))

    permits = [limiter.acquire() for _ in range(50)]

    assert [permit.waited_s for permit in permits] == [0] * 50
    assert limiter.allowed_concurrency() > 8


def test_a_burst_while_plenty_is_left_then_the_last_requests_spread_over_the_window(limiter, clock):
    """A store of 50 requests per second answering at once: bursts first, paces the last few, never a 429."""
    start, quota = clock.now, 50
    used: dict[int, int] = {}
    sent = []
    for _ in range(60):
        permit = limiter.acquire()
        elapsed = permit.sent_at - start
        window = math.floor(elapsed)
        used[window] = used.get(window, 0) + 1
        assert used[window] <= quota, f"a 429: request {used[window]} in window {window}"
        reset_ms = max(1, round((window + 1 - elapsed) * 1000))
        _answer(limiter, permit, headers=_headers(quota, quota - used[window], 1000, reset_ms))
        sent.append(elapsed)

    first_window = [t for t in sent if t < 1]
    gaps_ms = [round((later - earlier) * 1000) for earlier, later in zip(first_window, first_window[1:], strict=False)]
    assert gaps_ms[:10] == [0] * 10  # a burst
    assert all(gap > 50 for gap in gaps_ms[-3:]), gaps_ms  # the last ones are spread out
    assert len(sent) - len(first_window) == 60 - used[0]  # after the reset it goes on


def _sends_in_one_window(limiter: RateLimiter, clock: FakeClock) -> list[float]:
    """Ask for requests in a fresh 30-per-3-s window answering at once; when each went (s from the start) until
    one has to wait for the reset (at most 100, so a limiter that never waits fails instead of hanging)."""
    start, sent = clock.now, []
    while len(sent) < 100 and (at := (permit := limiter.acquire()).sent_at - start) < 3:
        sent.append(round(at, 2))
        _answer(limiter, permit, headers=_headers(30, 30 - len(sent), 3000, round((3 - at) * 1000)))
    return sent


def test_pacing_through_the_reserve_leaves_the_windows_last_request_to_the_stores_other_apps(limiter, clock):
    """Reserve 0.1 of 30 is 3: 27 at once, 2 paced over the window, and the 30th waits for the reset, so another
    app asking at any moment finds one left (even one our answers, a latency old, cannot see yet)."""
    sent = _sends_in_one_window(limiter, clock)

    assert len(sent) == 29
    assert sent[:27] == [0.0] * 27 and 0 < sent[27] < sent[28] < 3


def test_a_reserve_of_one_request_or_none_keeps_nothing_back(clock):
    assert len(_sends_in_one_window(RateLimiter(clock, reserve=0), clock)) == 30


def test_nothing_left_waits_for_the_announced_reset(limiter):
    _answer(limiter, limiter.acquire(), headers=_headers(quota=100, left=0, reset_ms=800))

    waited_ms = limiter.acquire().waited_s * 1000

    assert 800 <= waited_ms <= 800 + 400  # the reset plus a little slack for clock skew


def test_429_with_headers_pauses_every_sender_until_its_reset(limiter):
    _answer(limiter, limiter.acquire(), headers=_headers())
    permit = limiter.acquire()

    pause = _answer(limiter, permit, 429, _headers(left=0, reset_ms=500, retry_after=1))

    assert 0.5 <= pause <= 0.9
    assert limiter.send_delay() == pytest.approx(pause)
    assert limiter.acquire().waited_s == pytest.approx(pause, abs=0.01)


def test_bare_429s_escalate_but_a_burst_counts_once(limiter, clock):
    _answer(limiter, limiter.acquire(), headers=_headers())
    first, alongside = limiter.acquire(), limiter.acquire()
    clock.now += 0.05  # both on the wire

    assert _answer(limiter, first, 429) == pytest.approx(0.1)
    assert _answer(limiter, alongside, 429) == pytest.approx(0.1)  # sent before the first 429 came back
    assert _answer(limiter, limiter.acquire(), 429) == pytest.approx(0.2)
    assert _answer(limiter, limiter.acquire(), 429) == pytest.approx(0.4)
    assert _answer(limiter, limiter.acquire(), 200, _headers()) == 0
    assert _answer(limiter, limiter.acquire(), 429) == pytest.approx(0.1)  # a success ends the series


def test_a_429_storm_with_short_resets_keeps_sending_at_the_reset_pace(limiter):
    """Every answer a 429 with reset 200 ms and a 30 s window: one send per reset, never a 30 s wait."""
    waits = []
    for _ in range(10):
        permit = limiter.acquire()
        waits.append(permit.waited_s)
        _answer(limiter, permit, 429, _headers(quota=150, left=0, window_ms=30_000, reset_ms=200, retry_after=1))

    assert max(waits) < 0.2 + 0.5


@pytest.mark.parametrize(
    ("headers", "longest_s"),
    [
        (_headers(left=0, window_ms=1000, reset_ms=86_400_000), 1.0),  # a 24 h reset, a 1 s window
        (_headers(left=0, window_ms=86_400_000, reset_ms=86_400_000), MAX_WAIT_S),  # a 24 h window too
        ({"X-Retry-After": "999999"}, MAX_WAIT_S),  # a 429 that only says "come back in 11 days"
    ],
    ids=["reset-24h", "window-24h", "retry-after-999999"],
)
def test_no_header_makes_one_wait_longer_than_the_window(limiter, headers, longest_s):
    pause = _answer(limiter, limiter.acquire(), 429, headers)
    waited = limiter.acquire().waited_s

    assert max(pause, waited) <= longest_s + 0.05 + 0.01 * longest_s


_FLOOR_MS = MIN_WINDOW_S * 1000


@pytest.mark.parametrize(
    ("window_ms", "believed_ms"), [("1", _FLOOR_MS), ("999.9", _FLOOR_MS), ("1500", 1500), ("0", None)]
)
def test_an_announced_window_under_a_second_is_read_as_one_second(window_ms, believed_ms):
    """Windows last seconds (docs/bigcommerce.md "Rate limits"); a 0 says nothing, like an absent header."""
    reading = RateLimitReading.from_headers(_headers(window_ms=window_ms, reset_ms=86_400_000, retry_after=999))

    assert reading.window_ms == believed_ms
    assert reading.reset_ms == (believed_ms or MAX_WAIT_S * 1000)


@pytest.mark.parametrize("garbage", ["NaN", "nan", "inf", "-Infinity", "-1", "soon", "", "1e999", "0x10"])
def test_garbage_rate_figures_count_as_absent(garbage):
    reading = RateLimitReading.from_headers(
        {
            "X-Rate-Limit-Requests-Quota": garbage,
            "X-Rate-Limit-Requests-Left": garbage,
            "X-Rate-Limit-Time-Window-Ms": garbage,
            "X-Rate-Limit-Time-Reset-Ms": garbage,
            "X-Retry-After": garbage,
        }
    )

    assert reading == RateLimitReading(None, None, None, None, None)
    assert reading.wait_s is None and not reading.has_quota


@pytest.mark.parametrize(
    ("headers", "quota", "left"),
    [
        (_headers(quota=0, left=0), None, None),  # a quota of 0 would stop the store for good
        (_headers(quota=150, left=9999), 150, 150),
        ({"X-Rate-Limit-Requests-Quota": "150"}, None, None),  # a quota without its "left"
        ({"x-rate-limit-requests-quota": "150.0", "X-RATE-LIMIT-REQUESTS-LEFT": "7"}, 150, 7),
    ],
    ids=["quota-0", "left-above-quota", "quota-alone", "any-case-and-decimals"],
)
def test_quota_figures_are_only_believed_together_and_consistent(headers, quota, left):
    reading = RateLimitReading.from_headers(headers)

    assert (reading.quota, reading.left) == (quota, left)


@pytest.mark.parametrize(
    "poison",
    [
        _headers(quota=0, left=0, reset_ms=86_400_000),
        {"X-Rate-Limit-Requests-Quota": "NaN", "X-Rate-Limit-Requests-Left": "NaN", "X-Retry-After": "NaN"},
        _headers(left=0, window_ms=-5, reset_ms=-5),
    ],
    ids=["quota-0", "nan", "negative"],
)
def test_one_bad_answer_never_stops_the_store_for_long(limiter, poison):
    _answer(limiter, limiter.acquire(), headers=_headers())

    _answer(limiter, limiter.acquire(), headers=poison)
    waits = [limiter.acquire() for _ in range(3)]

    assert limiter.send_delay() <= MAX_WAIT_S + 1
    assert all(math.isfinite(permit.waited_s) and permit.waited_s <= MAX_WAIT_S + 1 for permit in waits)


def test_an_answer_without_any_response_hands_its_turn_back(limiter):
    probe = limiter.acquire()

    limiter.note_no_response(probe)

    assert limiter.send_delay() == 0
