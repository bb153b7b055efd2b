"""api.bigcommerce.com's front door: faults, store lookup, rate limit, token, route, scope, then the resource.

The order matters and mirrors what a client sees from the real service: a fault (drop, 500/503, bare 429)
can strike any request, spends no quota and carries no rate headers; every other request for this store
spends quota (401, 403, 404 and 413 answers included) and carries the four ``X-Rate-Limit-*`` headers, the
429 for an exhausted quota adding ``X-Retry-After`` (docs/bigcommerce.md "Rate limits"). A path naming another store
is a 404 without rate headers. Added latency is slept after the decision, before the answer is written.
A scripted spoil (``FaultInjector.spoil``) then rewrites the finished answer: its headers, status or body pace.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

from bigcommerce_lookalike.api import StoreApi
from bigcommerce_lookalike.errors import ApiError, missing_scope, not_found
from bigcommerce_lookalike.faults import Fault, FaultInjector, Spoil
from bigcommerce_lookalike.rate_limit import FixedWindowRateLimiter
from bigcommerce_lookalike.responses import Reply, empty_reply, json_reply
from bigcommerce_lookalike.stats import LoggedRequest, SandboxStats
from bigcommerce_lookalike.tokens import TokenRegistry, has_scope

log = logging.getLogger(__name__)

_INJECTED = {
    Fault.ERROR_500: ApiError(500, "Internal Server Error"),
    Fault.ERROR_503: ApiError(503, "Service Unavailable: the platform is under heavy load, try again later."),
}
_QUOTA_EXCEEDED = "Too many requests: the store's request quota for this window is used up."
_SPOILED = "The lookalike was told to spoil this answer."
_TOO_CONCURRENT = "Too many simultaneous requests to this endpoint; run fewer at once."
_RATE_HEADER_PREFIXES = ("x-rate-limit-", "x-retry-after")


class ApiGateway:
    """Turns one API request into a ``Reply`` plus the latency to add before sending it."""

    def __init__(
        self,
        api: StoreApi,
        store_hash: str,
        limiter: FixedWindowRateLimiter,
        faults: FaultInjector,
        tokens: TokenRegistry,
        stats: SandboxStats,
    ) -> None:
        self.api = api
        self.store_hash = store_hash
        self.limiter = limiter
        self.faults = faults
        self.tokens = tokens
        self.stats = stats

    def handle(self, method: str, path: str, query: Mapping[str, str], token: str | None) -> tuple[Reply, float]:
        """``path`` is ``/stores/{hash}/v2/...``; returns the reply and the seconds to wait before sending it."""
        store_hash, _, subpath = path.removeprefix("/stores/").partition("/")
        version = "v2" if subpath.startswith("v2/") else "v3"
        matched = self.api.match(subpath)
        self.stats.count_request(matched[0].key if matched else "unknown", LoggedRequest(method, subpath, tuple(query)))
        delay = self.faults.settings.latency_ms / 1000
        fault = self.faults.draw()
        if fault is Fault.DROP:
            self.stats.count_drop()
            return Reply(0, drop=True), delay
        if fault is Fault.BARE_429:
            self.stats.count_response(429, injected=True)
            return empty_reply(429), delay
        if fault in _INJECTED:
            error = _INJECTED[fault]
            self.stats.count_response(error.status, injected=True)
            return json_reply(error.status, error.body(version)), delay
        if fault is Fault.ERROR_IN_200:
            error = _INJECTED[Fault.ERROR_503]
            self.stats.count_response(200)
            return json_reply(200, error.body(version)), delay
        if store_hash != self.store_hash:
            reply = json_reply(404, ApiError(404, f"Store '{store_hash}' not found.").body(version))
            self.stats.count_response(404)
            return reply, delay
        limit = self.api.concurrency_limit(matched[0].key) if matched else None
        if limit is None:
            reply = self._decided(method, version, matched, query, token)
        else:  # price_lists.v3.yml: more simultaneous GETs than the route allows answer 429
            key = matched[0].key
            try:
                reply = (
                    json_reply(429, ApiError(429, _TOO_CONCURRENT).body(version))
                    if self.stats.entered(key) > limit
                    else self._decided(method, version, matched, query, token)
                )
                time.sleep(delay)  # still in flight while the latency passes
                delay = 0.0
            finally:
                self.stats.left(key)
        spoil = self.faults.next_spoil()
        if spoil is not None:
            reply = _spoiled(reply, spoil, version)
        self.stats.count_response(reply.status)
        return reply, delay

    def _decided(self, method: str, version: str, matched, query: Mapping[str, str], token: str | None) -> Reply:
        decision = self.limiter.acquire()
        headers = decision.headers()
        if not decision.allowed:
            return json_reply(429, ApiError(429, _QUOTA_EXCEEDED).body(version), headers)
        reply = self._answer(method, version, matched, query, token)
        reply.headers.extend(headers)
        return reply

    def _answer(self, method: str, version: str, matched, query: Mapping[str, str], token: str | None) -> Reply:
        grant, why = self.tokens.verify(token)
        try:
            if grant is None:
                raise ApiError(401, why)
            if matched is None:
                raise not_found()
            route, args = matched
            if method != "GET":
                raise ApiError(405, f"The lookalike serves GET only on /{route.key}.")
            if route.scope and not has_scope(grant.scopes, route.scope):
                raise missing_scope()
            result = route.handler(query, args)
        except ApiError as error:
            return json_reply(error.status, error.body(version))
        except Exception:  # a bug in the lookalike must still answer, and show in the log
            log.exception("the lookalike failed on %s", matched[0].key if matched else "?")
            return json_reply(500, ApiError(500, "Internal Server Error").body(version))
        if result.document is None:
            return empty_reply(result.status)
        return json_reply(result.status, result.document)


def _spoiled(reply: Reply, spoil: Spoil, version: str) -> Reply:
    headers = reply.headers
    if spoil.rate_headers is not None:
        headers = [(name, value) for name, value in headers if not name.lower().startswith(_RATE_HEADER_PREFIXES)]
        headers.extend(spoil.rate_headers.items())
    if spoil.status is not None:
        reply = json_reply(spoil.status, ApiError(spoil.status, _SPOILED).body(version))
    elif spoil.error_in_200 is not None:
        reply = json_reply(200, ApiError(spoil.error_in_200, _SPOILED).body(version))
    reply.headers = headers
    reply.trickle_bytes_per_s = spoil.trickle_bytes_per_s
    reply.endless = spoil.endless
    return reply
