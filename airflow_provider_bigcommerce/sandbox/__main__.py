"""``python -m airflow_provider_bigcommerce.sandbox``: see ``cli``."""

from airflow_provider_bigcommerce.sandbox.cli import main

raise SystemExit(main())
