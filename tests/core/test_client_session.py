"""The client's session: ready to call the API by hand, yet the token is never stored where it could be logged."""

from __future__ import annotations

from airflow_provider_bigcommerce import __version__


def test_session_calls_the_api_with_the_token_added_per_request(make_sandbox, make_client):
    sandbox = make_sandbox()
    client = make_client(sandbox)

    response = client.session.get(f"{client.properties.store_api_url}/v2/time", timeout=5)

    assert response.status_code == 200 and "time" in response.json()
    assert "X-Auth-Token" not in client.session.headers
    assert response.request.headers["X-Auth-Token"] == sandbox.access_token
    assert response.request.headers["User-Agent"] == f"airflow-provider-bigcommerce/{__version__}"
    assert response.request.headers["Accept"] == "application/json"
    assert "Content-Type" not in response.request.headers


def test_request_accepts_paths_with_or_without_a_leading_slash(make_sandbox, make_client):
    sandbox = make_sandbox()
    client = make_client(sandbox)

    assert "time" in client.request("get", "/v2/time")
    assert client.request("GET", "v2/store")["id"] == sandbox.store_id
