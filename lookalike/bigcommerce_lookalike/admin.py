"""``/_sandbox/...``: a small control surface for tests and demos. Not part of the BigCommerce API.

Everything ``Sandbox`` offers in-process, reachable over HTTP when the lookalike runs as a separate process
(``python -m bigcommerce_lookalike``):

- ``GET  /_sandbox/health``                      ``{"status": "ok"}``
- ``GET  /_sandbox/info``                        connection info, data time range, sizes and knobs
- ``GET  /_sandbox/stats``                       the counters of ``SandboxStats``
- ``POST /_sandbox/reset``                       zero the counters
- ``POST /_sandbox/faults``                      JSON ``{latency_ms, error_5xx_rate, bare_429_rate, drop_rate,
                                                 error_in_200_rate}`` (any)
- ``POST /_sandbox/spoil``                       JSON ``{"answers": N, rate_headers?, status?, error_in_200?,
                                                 trickle_bytes_per_s?, endless?}``: spoil the next N API answers
- ``POST /_sandbox/consume_quota?n=N``           another app on the store spends N requests of this window
- ``POST /_sandbox/uninstall?client_id=ID``      revoke that app's tokens (the API answers 401 afterwards)
- ``POST /_sandbox/api_accounts``                JSON ``{"scopes": [...]}`` -> ``{"access_token"}``
- ``POST /_sandbox/apps``                        JSON ``{"callback_url", "name"?, "scopes"?}``
                                                 -> ``{"client_id", "client_secret"}``
- ``GET  /_sandbox/signed_payload_jwt?client_id=ID&exp_delta=S``  -> ``{"signed_payload_jwt"}``
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict

from bigcommerce_lookalike.responses import Reply, json_reply
from bigcommerce_lookalike.services import Services


def _ok(document: object) -> Reply:
    return json_reply(200, json.dumps(document, default=str))


def _error(status: int, message: str) -> Reply:
    return json_reply(status, json.dumps({"error": message}))


def info(services: Services) -> dict:
    config = services.config
    time_range = services.data_time_range
    return {
        **services.connection_info(),
        "data_time_range": [moment.isoformat() for moment in time_range] if time_range else None,
        "sizes": {name: getattr(config, name) for name in ("orders", "products", "customers", "brands", "categories")},
        "seed": config.seed,
        "quota": config.quota,
        "window_ms": config.window_ms,
        "announced_window_ms": config.announced_window_ms,
        "expiring_tokens": config.expiring_tokens,
        "token_lifetime_s": config.token_lifetime_s,
        "consignment_kinds": config.consignment_kinds,
        "digital_line_items": config.digital_line_items,
        "faults": asdict(services.faults.settings),
    }


def handle_admin(services: Services, method: str, path: str, query: Mapping[str, str], body: bytes) -> Reply:
    action = path.removeprefix("/_sandbox/").strip("/")
    try:
        payload = json.loads(body) if body.strip() else {}
    except ValueError:
        return _error(400, "the body must be JSON")
    try:
        if method == "GET" and action == "health":
            return _ok({"status": "ok"})
        if method == "GET" and action == "info":
            return _ok(info(services))
        if method == "GET" and action == "stats":
            return _ok(services.stats.snapshot())
        if method == "POST" and action == "reset":
            services.stats.reset()
            return _ok(services.stats.snapshot())
        if method == "POST" and action == "faults":
            return _ok(asdict(services.faults.update(**payload)))
        if method == "POST" and action == "spoil":
            return _ok(asdict(services.faults.spoil(**payload)))
        if method == "POST" and action == "consume_quota":
            decision = services.limiter.consume(int(query.get("n", "1")))
            return _ok(dict(decision.headers()))
        if method == "POST" and action == "uninstall":
            return _ok({"revoked": services.oauth.uninstall(query.get("client_id", ""))})
        if method == "POST" and action == "api_accounts":
            grant = services.tokens.issue(frozenset(payload.get("scopes", ())))
            return _ok({"access_token": grant.token})
        if method == "POST" and action == "apps":
            if "callback_url" not in payload:
                return _error(400, "callback_url is required")
            app = services.oauth.register_app(
                payload["callback_url"], name=payload.get("name", "Lookalike App"), **_scopes(payload)
            )
            return _ok({"client_id": app.client_id, "client_secret": app.client_secret})
        if method == "GET" and action == "signed_payload_jwt":
            jwt = services.mint_signed_payload_jwt(
                query.get("client_id") or None, exp_delta=int(query.get("exp_delta", "86400"))
            )
            return _ok({"signed_payload_jwt": jwt})
    except KeyError as error:
        return _error(404, str(error))
    except (TypeError, ValueError) as error:
        return _error(400, str(error))
    return _error(404, f"no admin action {method} /_sandbox/{action}")


def _scopes(payload: Mapping) -> dict:
    return {"scopes": tuple(payload["scopes"])} if "scopes" in payload else {}
