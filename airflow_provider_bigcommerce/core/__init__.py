"""The plain-Python core: properties, OAuth, the settings store and the REST client. No Airflow import here."""
