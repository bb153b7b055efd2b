"""The connection form on the Airflow lines that build it from the hook (3.0, 3.1 and 2.11), made from the one
source of the form: ``provider.yaml``'s declarative ``conn-fields`` and ``ui-field-behaviour`` (which 3.2 and later
read without importing the hook, and then never call the hook's methods).

The same fields, labels, help texts, defaults and choices on every line. The form's widget classes are those
Airflow allows (``StringField``, ``PasswordField``); a number is a text box whose value the properties parse,
as they do from any connection's extra.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_bigcommerce.get_provider_info import get_provider_info


def connection_type() -> dict[str, Any]:
    (only,) = get_provider_info()["connection-types"]
    return only


def connection_form_widgets() -> dict[str, Any]:
    """``{field name: wtforms field}``, the return value of ``BaseHook.get_connection_form_widgets``."""
    from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget, BS3TextFieldWidget
    from flask_babel import lazy_gettext
    from wtforms import PasswordField, StringField
    from wtforms.validators import Optional, any_of

    widgets: dict[str, Any] = {}
    for name, field in connection_type()["conn-fields"].items():
        schema = field["schema"]
        nullable = "null" in schema["type"]
        validators = [Optional()] if nullable else []
        if "enum" in schema:
            validators.append(any_of(schema["enum"]))
        label = lazy_gettext(field["label"])
        if schema.get("format") == "password":
            widgets[name] = PasswordField(
                label, widget=BS3PasswordFieldWidget(), validators=validators, description=field["description"]
            )
            continue
        default = schema.get("default")
        widgets[name] = StringField(
            label,
            widget=BS3TextFieldWidget(),
            validators=validators,
            description=field["description"],
            default=None if default is None else str(default),
        )
    return widgets


def ui_field_behaviour() -> dict[str, Any]:
    """``{"hidden_fields", "relabeling", "placeholders"}``, the return value of ``get_ui_field_behaviour``."""
    behaviour = connection_type()["ui-field-behaviour"]
    return {key.replace("-", "_"): value for key, value in behaviour.items()}
