"""The REST client and what it rests on: the session and the wire (``wire``), retries (``retry``), the store's
rate limit read from every answer (``rate_limit``) and shared by a fleet through a small locked file
(``quota_ledger``)."""
