"""Operators: scheduled work on a BigCommerce connection (token refresh)."""
