"""Test DAG: the token sensor in poke mode (the example DAG uses the deferrable mode)."""

from __future__ import annotations

from datetime import UTC, datetime

from airflow.providers.common.compat.sdk import Param, dag  # the reduced suite runs it on Airflow 2.11 too

from airflow_provider_bigcommerce.sensors.token import BigCommerceTokenSensor


@dag(
    schedule=None,
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    params={"bigcommerce_conn_id": Param("bigcommerce_default", type="string")},
)
def bc_test_token_sensor_poke():
    BigCommerceTokenSensor(
        task_id="wait_for_token",
        bigcommerce_conn_id="{{ params.bigcommerce_conn_id }}",
        mode="poke",
        poke_interval=1,
        timeout=120,
    )


bc_test_token_sensor_poke()
