"""A ``bigcommerce://`` asset URI that names no store's list, in words (``AssetUriError``)."""

from __future__ import annotations

from airflow_provider_bigcommerce.assets.bigcommerce import AssetUriError

# What is wrong with the URI, by AssetUriError.code.
ASSET_URI_WORDS = {
    "has_credentials": "carries a user, password or port",
    "no_store": "has no store hash (letters and digits) where the host goes",
    "no_list": "names no list after the store",
}


def asset_uri_problem(error: AssetUriError) -> str:
    return f"Asset URI '{error.uri}' {ASSET_URI_WORDS[error.code]}. Use bigcommerce://{{store_id}}/{{resource}}."
