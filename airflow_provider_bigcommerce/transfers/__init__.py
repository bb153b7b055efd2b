"""Transfers: BigCommerce data into storage."""
