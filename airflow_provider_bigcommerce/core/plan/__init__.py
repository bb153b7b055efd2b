"""What a backfill will cost before it runs: records in the window, requests an export sends, minutes at the store's
quota (``estimate.plan_export``)."""
