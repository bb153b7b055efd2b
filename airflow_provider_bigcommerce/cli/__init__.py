"""The ``airflow-bigcommerce`` command line (``cli.main``): ``oauth`` and ``sandbox``."""
