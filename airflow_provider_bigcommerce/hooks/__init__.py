"""Airflow hooks: connection in, core objects out. Import the hook from ``hooks.bigcommerce``."""
