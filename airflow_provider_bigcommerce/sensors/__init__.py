"""Sensors: waiting on a BigCommerce connection (an authorized token)."""
