"""Apache Airflow provider for BigCommerce.

Kept import-free on purpose: DAG parsing imports this package, so heavy modules load lazily.
"""

__version__ = "0.1.0"
