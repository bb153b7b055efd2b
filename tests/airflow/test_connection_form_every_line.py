"""The ``bigcommerce`` connection form Airflow serves has provider.yaml's fields, labels, help texts, defaults and
choices on every line: Airflow 3.2 and later read the declarative ``conn-fields``, 3.0, 3.1 and 2.11 call the
hook's ``get_connection_form_widgets`` / ``get_ui_field_behaviour``, which ``hooks/connection_form.py`` makes from
them.

The form comes from Airflow's own ``HookMetaService`` (what ``GET /ui/connections/hook_meta`` answers; on 2.11 the
wtforms fields ``ProvidersManager`` hands its Flask-AppBuilder UI), in a child process: it stands in mocks for
wtforms and Flask-AppBuilder where they are missing, which must not leak here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.airflow.form_fields import CONN_FIELDS, CONNECTION_TYPE, SECRET_CONN_FIELDS

pytestmark = pytest.mark.compat  # in the reduced suite of every Airflow line (docs/compatibility.md)

_FORM_PROBE = """
import json

try:
    from airflow.api_fastapi.core_api.services.ui.connections import HookMetaService
except ImportError:  # Airflow 2.11: its Flask-AppBuilder UI renders ProvidersManager's wtforms fields
    HookMetaService = None

if HookMetaService is not None:
    (meta,) = [m for m in HookMetaService.hook_meta_data() if m.connection_type == "bigcommerce"]
    print(json.dumps(meta.model_dump(), default=str))
else:
    from airflow.providers_manager import ProvidersManager
    from flask import Flask
    from flask_babel import Babel

    manager = ProvidersManager()
    app = Flask(__name__)
    Babel(app)
    extra_fields = {}
    with app.app_context():
        for widget in manager.connection_form_widgets.values():
            if widget.hook_class_name != "BigCommerceHook":
                continue
            field = widget.field
            choices = [v.values for v in field.kwargs.get("validators", []) if hasattr(v, "values")]
            schema = {"title": str(field.args[0])}
            if choices:
                schema["enum"] = list(choices[0])
            if widget.is_sensitive:
                schema["format"] = "password"
            extra_fields[widget.field_name] = {
                "schema": schema, "description": field.kwargs.get("description"), "value": field.kwargs.get("default")
            }
    behaviour = manager.field_behaviours["bigcommerce"]
    standard_fields = {
        ("url_schema" if name == "schema" else name): {
            "hidden": name in behaviour["hidden_fields"],
            "title": behaviour["relabeling"].get(name),
            "placeholder": behaviour["placeholders"].get(name),
        }
        for name in ("host", "port", "login", "password", "schema", "description")
    }
    print(json.dumps({"extra_fields": extra_fields, "standard_fields": standard_fields}, default=str))
"""


@pytest.fixture(scope="module")
def served_form() -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _FORM_PROBE], capture_output=True, text=True, env=dict(os.environ), timeout=120
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_served_form_has_every_field_with_its_label_help_text_and_choices(served_form: dict):
    served = served_form["extra_fields"]
    assert list(served) == list(CONN_FIELDS)
    for name, field in CONN_FIELDS.items():
        shown = served[name]
        assert shown["schema"]["title"] == field["label"], name
        assert shown["description"] == field["description"], name
        assert shown["schema"].get("enum") == field["schema"].get("enum"), name
        assert (shown["schema"].get("format") == "password") == (name in SECRET_CONN_FIELDS), name


def test_the_served_form_fills_in_each_default(served_form: dict):
    """A number's default is a number where the form is declarative, its text where wtforms builds it; the
    properties read both."""
    for name, field in CONN_FIELDS.items():
        default = field["schema"].get("default")
        value = served_form["extra_fields"][name]["value"]
        assert (None if value is None else str(value)) == (None if default is None else str(default)), name


def test_the_standard_fields_are_hidden_relabelled_and_hinted_as_declared(served_form: dict):
    behaviour = CONNECTION_TYPE["ui-field-behaviour"]
    standard = served_form["standard_fields"]
    for name in behaviour["hidden-fields"]:
        assert standard["url_schema" if name == "schema" else name]["hidden"] is True, name
    for name, label in behaviour["relabeling"].items():
        assert standard[name]["title"] == label and standard[name]["hidden"] is False, name
    for name, hint in behaviour["placeholders"].items():
        assert standard[name]["placeholder"] == hint, name
