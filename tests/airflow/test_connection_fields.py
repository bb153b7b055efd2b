"""The ``bigcommerce`` connection form: one field per property, and Airflow redacts exactly the secret ones.

Airflow hides values in the UI and REST API by the field's *name* (``format: password`` only masks the input
box), so the checks run Airflow's own redaction, in a fresh process with the configuration under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from airflow_provider_bigcommerce.core.errors import PropertyError
from airflow_provider_bigcommerce.core.properties import DRIVER_NAMES, SECRET_FIELDS, ConnectionProperties
from airflow_provider_bigcommerce.get_provider_info import get_provider_info
from airflow_provider_bigcommerce.hooks.connection_properties import connection_values
from tests.airflow.form_fields import CONN_FIELDS, SECRET_CONN_FIELDS

# Saved OAuth state lives in the settings location, never in the form; the API URL is the standard host field.
NOT_FORM_FIELDS = {"oauth_refresh_token", "oauth_expires_in", "oauth_token_timestamp", "api_url"}
EXPECTED_SECRETS = {"oauth_access_token", "oauth_client_secret", "oauth_verifier", "oauth_settings_passphrase"}

# Runs in a child process so Airflow configures its secrets masker from the environment given to it.
_REDACTION_PROBE = """
import json, sys
from airflow._shared.secrets_masker import should_hide_value_for_key
from airflow.api_fastapi.core_api.datamodels.connections import ConnectionResponse
from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService

names = json.loads(sys.argv[1])
extra = {name: f"value-of-{name}" for name in names}
saved = ConnectionResponse(
    conn_id="probe", conn_type="bigcommerce", description=None, host=None, login=None, schema=None, port=None,
    password=None, extra=json.dumps(extra), team_name=None,
)
(meta,) = [m for m in HookMetaService.hook_meta_data() if m.connection_type == "bigcommerce"]
print(json.dumps({
    "hidden": sorted(name for name in names if should_hide_value_for_key(name)),
    "api_redacted": sorted(k for k, v in json.loads(saved.extra).items() if v == "***"),
    "form": meta.model_dump(),
}))
"""


def _probe(names: list[str], **env: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _REDACTION_PROBE, json.dumps(names)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def default_redaction() -> dict:
    return _probe(sorted(CONN_FIELDS) + sorted(DRIVER_NAMES), AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES="")


def test_every_form_field_is_a_connection_property():
    assert set(CONN_FIELDS) <= set(DRIVER_NAMES.values())


def test_every_property_a_user_sets_has_a_form_field():
    assert set(DRIVER_NAMES.values()) - NOT_FORM_FIELDS == set(CONN_FIELDS)


def test_secret_fields_are_password_inputs():
    assert SECRET_CONN_FIELDS == EXPECTED_SECRETS == SECRET_FIELDS & set(CONN_FIELDS)


def test_form_field_defaults_are_accepted_by_the_properties():
    defaults = {name: spec["schema"]["default"] for name, spec in CONN_FIELDS.items() if "default" in spec["schema"]}
    properties = ConnectionProperties.from_mapping({**defaults, "store_id": "abc123", "oauth_access_token": "t" * 20})
    assert properties.scope == defaults["scope"]
    assert properties.callback_url == defaults["callback_url"]
    assert properties.timeout == defaults["timeout"]


def test_standard_fields_hidden_but_the_api_url_and_its_port():
    (connection_type,) = get_provider_info()["connection-types"]
    behaviour = connection_type["ui-field-behaviour"]
    assert set(behaviour["hidden-fields"]) == {"login", "password", "schema"}
    assert behaviour["relabeling"]["host"] == "API URL" and behaviour["relabeling"]["port"].startswith("Port")
    assert behaviour["placeholders"] == {"host": "https://api.bigcommerce.com", "port": "443"}


def test_airflow_redacts_the_token_secret_and_passphrase_fields_by_default(default_redaction):
    secrets_by_default = EXPECTED_SECRETS - {"oauth_verifier"}
    form_names = set(CONN_FIELDS)
    assert set(default_redaction["hidden"]) & form_names == secrets_by_default
    assert set(default_redaction["api_redacted"]) & form_names == secrets_by_default


def test_non_secret_fields_are_never_redacted(default_redaction):
    non_secrets = set(CONN_FIELDS) - EXPECTED_SECRETS
    assert non_secrets.isdisjoint(default_redaction["hidden"])
    assert non_secrets.isdisjoint(default_redaction["api_redacted"])
    non_secret_driver_names = {driver for driver, snake in DRIVER_NAMES.items() if snake not in SECRET_FIELDS}
    # OAuthTokenTimestamp is saved state, not a form field; its name holds "token", so Airflow hides it anyway.
    assert set(default_redaction["hidden"]) & non_secret_driver_names == {"OAuthTokenTimestamp"}


def test_oauth_verifier_is_redacted_once_verifier_is_a_sensitive_name():
    names = sorted(CONN_FIELDS) + sorted(DRIVER_NAMES)
    redaction = _probe(names, AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES="verifier")
    expected = EXPECTED_SECRETS | {"OAuthVerifier", "OAuthAccessToken", "OAuthClientSecret", "OAuthSettingsPassphrase"}
    expected |= {"OAuthRefreshToken", "OAuthTokenTimestamp"}
    assert set(redaction["hidden"]) == expected
    assert set(redaction["api_redacted"]) == expected


def test_form_metadata_shows_labels_enums_and_non_secret_defaults(default_redaction):
    form = default_redaction["form"]
    assert form["hook_name"] == "BigCommerce"
    assert form["standard_fields"]["host"]["title"] == "API URL"
    for hidden in ("login", "password", "url_schema"):
        assert form["standard_fields"][hidden]["hidden"] is True
    assert form["standard_fields"]["port"]["hidden"] is False
    fields = form["extra_fields"]
    assert set(fields) == set(CONN_FIELDS)
    assert fields["auth_scheme"]["schema"]["enum"] == ["PersonalAccessToken", "OAuth"]
    assert fields["initiate_oauth"]["schema"]["enum"] == ["OFF", "GETANDREFRESH", "REFRESH"]
    assert fields["callback_url"]["value"] == "http://localhost:33333"
    assert fields["login_url"]["value"] == "https://login.bigcommerce.com"
    assert fields["scope"]["value"] == "store_v2_orders store_v2_customers store_v2_products store_v2_information"
    assert fields["timeout"]["value"] == 30
    for name, spec in CONN_FIELDS.items():
        assert fields[name]["schema"]["title"] == spec["label"]
        assert fields[name]["description"] == spec["description"]
    assert {name for name, field in fields.items() if field["schema"].get("format") == "password"} == EXPECTED_SECRETS


@pytest.mark.parametrize("name", sorted(CONN_FIELDS))
def test_every_field_explains_itself(name):
    spec = CONN_FIELDS[name]
    driver_name = next(driver for driver, snake in DRIVER_NAMES.items() if snake == name)
    assert f"({driver_name})" in spec["label"]
    assert len(spec["description"]) > 40


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("http://127.0.0.1:8765", 8765, "http://127.0.0.1:8765"),  # the port the URL names, repeated
        ("https://api.bigcommerce.com", 443, "https://api.bigcommerce.com"),  # the scheme's own: left out
        (None, 443, None),  # the default API URL
        ("http://127.0.0.1", 8765, "http://127.0.0.1:8765"),
        ("http://[::1]/", 9000, "http://[::1]:9000/"),
        ("api.example.com", None, "https://api.example.com"),
    ],
)
def test_a_connections_port_belongs_to_its_api_url(host, port, url):
    conn = SimpleNamespace(host=host, port=port, extra_dejson={"store_id": "abc123"})

    values = connection_values(conn)

    assert values.get("host") == url and values["store_id"] == "abc123"


def test_a_port_the_api_url_contradicts_is_a_property_error_naming_both():
    conn = SimpleNamespace(host="http://127.0.0.1:8765", port=9000, extra_dejson={})

    with pytest.raises(PropertyError) as raised:
        connection_values(conn)

    assert (raised.value.code, raised.value.property_name, raised.value.field_name) == ("port_conflict", "URL", "host")
    assert raised.value.facts == {"url_port": 8765, "port": 9000}
