"""The deferrable half of ``BigCommerceTokenSensor``: polls the settings location from the triggerer.

Trigger arguments are stored in the metadata database, so only the connection id and plain arguments are
serialized; the connection, its secrets and the saved token are read again inside the triggerer on every poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_provider_bigcommerce.hooks.bigcommerce import describe_status, read_token_status


class BigCommerceTokenTrigger(BaseTrigger):
    """Fires ``{"status": "authorized", "token": <status>}`` once the connection has a usable token.

    Fires ``{"status": "error", "message": ...}`` when waiting cannot help (bad properties, a settings file that
    cannot be decrypted, a missing connection). Neither event carries a secret.
    """

    def __init__(self, bigcommerce_conn_id: str, check_api: bool = True, poke_interval: float = 60.0) -> None:
        super().__init__()
        self.bigcommerce_conn_id = bigcommerce_conn_id
        self.check_api = check_api
        self.poke_interval = poke_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "bigcommerce_conn_id": self.bigcommerce_conn_id,
                "check_api": self.check_api,
                "poke_interval": self.poke_interval,
            },
        )

    async def run(self) -> AsyncIterator[TriggerEvent]:
        while True:
            try:
                # Blocking work (connection lookup, file read, one HTTP call) stays off the triggerer's event loop.
                usable, status = await asyncio.to_thread(read_token_status, self.bigcommerce_conn_id, self.check_api)
            except Exception as error:
                from airflow_provider_bigcommerce.messages.problems import explain

                yield TriggerEvent({"status": "error", "message": explain(error, conn_id=self.bigcommerce_conn_id)})
                return
            if usable:
                yield TriggerEvent({"status": "authorized", "token": status})
                return
            self.log.info(
                "Not authorized yet for %s (%s); next look in %s s",
                self.bigcommerce_conn_id,
                describe_status(status),
                self.poke_interval,
            )
            await asyncio.sleep(self.poke_interval)
