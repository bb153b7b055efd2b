"""Why a load cannot run (``LoadError``): a code and its facts; ``messages.export`` puts them in words."""

from __future__ import annotations

from airflow_provider_bigcommerce.core.errors import ExportError


class LoadError(ExportError):
    """The load's arguments cannot work; nothing was read and the table is as it was.

    ``code`` is one of ``CODES``; ``facts`` carry what was refused (``database`` and ``supported``, ``table``,
    ``resource``).
    """

    CODES = frozenset(("unsupported_database", "bad_table_name", "table_name_too_long", "no_schema"))
