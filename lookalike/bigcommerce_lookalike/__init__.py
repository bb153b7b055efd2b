"""A local BigCommerce lookalike: the store API (v2/v3), login.bigcommerce.com's OAuth, rate limits, faults.

It plays the other side of the wire, so it imports nothing from the rest of the provider (and nothing from
Airflow): sharing code with the client would hide bugs on both sides. Standard library only.

    from bigcommerce_lookalike import Sandbox, SandboxConfig

    with Sandbox(SandboxConfig(orders=5000, quota=150, window_ms=3000, latency_ms=50)) as sb:
        requests.get(f"{sb.base_url}/stores/{sb.store_id}/v2/time", headers={"X-Auth-Token": sb.access_token})

From a shell: ``python -m bigcommerce_lookalike --port 0`` prints one JSON line with the
connection details, then serves until SIGTERM or SIGINT; ``/_sandbox/...`` (``admin``) controls it remotely.

Where each behaviour lives: ``gateway`` (order of checks, rate headers), ``rate_limit``, ``faults``, ``paging``
(204 and 413, offset and cursor meta), ``formats`` (dates, money, the date-only quirk), ``oauth`` (consent,
token endpoint rules, expiring tokens, uninstall), ``jwt_mint``, ``shapes`` (how a million records stay cheap).
"""

from bigcommerce_lookalike.config import SandboxConfig
from bigcommerce_lookalike.harness import Sandbox
from bigcommerce_lookalike.merchant import ConsentError
from bigcommerce_lookalike.stats import SandboxStats

__all__ = ["ConsentError", "Sandbox", "SandboxConfig", "SandboxStats"]
