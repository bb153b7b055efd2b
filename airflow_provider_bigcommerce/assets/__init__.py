"""Airflow assets for BigCommerce data: ``bigcommerce://{store_id}/{name}``."""
