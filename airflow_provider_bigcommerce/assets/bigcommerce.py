"""The ``bigcommerce://`` asset URI: ``bigcommerce://{store_id}/{name}``, a store (its hash) and a list in it.

``name`` is an export resource (``orders``) for what the export operator writes, or an API path (``v2/orders``)
for what a hook read. Airflow registers the scheme through ``get_provider_info()["asset-uris"]``: this module's
``sanitize_uri`` checks every such URI when an ``Asset`` is made, ``create_asset`` builds one, and
``convert_asset_to_openlineage`` turns one into an OpenLineage dataset (namespace ``bigcommerce://{store_id}``,
name the rest), the naming the operator's own lineage uses too.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit, urlunsplit

from airflow_provider_bigcommerce.core.errors import BigCommerceError

if TYPE_CHECKING:
    from airflow.providers.common.compat.sdk import Asset, AssetAlias

SCHEME = "bigcommerce"
EXPORT_ALIAS = "bigcommerce-export"
"""The asset alias an export emits through when its DAG did not declare the store's asset (see ``export_alias``)."""
_STORE_HASH = re.compile(r"[A-Za-z0-9]+")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./{}-]*")


class AssetUriError(BigCommerceError, ValueError):
    """A ``bigcommerce://`` URI without a store hash or a list name. ``uri`` is the URI as given, ``code`` what is
    wrong with it (``CODES``).

    A ``ValueError`` too: Airflow's asset URI handlers report a malformed URI that way.
    """

    CODES = frozenset(("has_credentials", "no_store", "no_list"))

    def __init__(self, code: str, uri: str) -> None:
        super().__init__(code, uri=uri)
        self.uri = uri


def asset_uri(store_id: str, name: str) -> str:
    """``bigcommerce://abc123/orders``; checked the way Airflow checks it."""
    return urlunsplit(sanitize_uri(urlsplit(f"{SCHEME}://{store_id}/{name.strip('/')}")))


def create_asset(*, store_id: str, name: str, extra: dict[str, Any] | None = None) -> Asset:
    """The asset for a store's list; its name is its URI, so ``Asset.ref(name=uri)`` finds it too."""
    from airflow.providers.common.compat.sdk import Asset

    return Asset(uri=asset_uri(store_id, name), extra=extra or {})


def export_alias() -> AssetAlias:
    """The alias of every export whose asset its DAG did not declare when parsed (no ``store_id``, or mapped).

    Airflow records an event only for an asset some DAG declares, or for one named through an alias at run time
    (it then creates the asset), so such exports name their ``bigcommerce://{store_id}/{resource}`` through it.
    DAGs scheduled on that asset run as usual; ``schedule=[export_alias()]`` runs after any export.
    """
    from airflow.providers.common.compat.sdk import AssetAlias

    return AssetAlias(name=EXPORT_ALIAS)


def sanitize_uri(parts: SplitResult) -> SplitResult:
    """Airflow's normalizer for the scheme: a store hash as host, a list name as path, nothing else."""
    uri = f"{parts.scheme}://{parts.netloc}{parts.path}"
    if parts.username or parts.password or parts.port:
        raise AssetUriError("has_credentials", uri)
    if not _STORE_HASH.fullmatch(parts.netloc or ""):
        raise AssetUriError("no_store", uri)
    name = parts.path.strip("/")
    if not _NAME.fullmatch(name):
        raise AssetUriError("no_list", uri)
    return parts._replace(path=f"/{name}", query="", fragment="")


def convert_asset_to_openlineage(asset: Asset, lineage_context: Any = None) -> Any:
    """The OpenLineage dataset of a ``bigcommerce://`` asset (needs the OpenLineage provider)."""
    from airflow.providers.common.compat.openlineage.facet import Dataset

    parts = sanitize_uri(urlsplit(asset.uri))
    return Dataset(namespace=f"{SCHEME}://{parts.netloc}", name=parts.path.lstrip("/"))
