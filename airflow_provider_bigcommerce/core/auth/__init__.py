"""Tokens: where the client gets one (``token_source``, ``sources`` for a connection's properties), the OAuth
token endpoint (``oauth_client``), InitiateOAuth (``initiate_oauth``), the browser flow (``desktop_flow``), the
web-app procedures (``web_procedures``), a code exchanged into saved settings (``code_exchange``), BigCommerce's
callback JWTs (``signed_payload``), the check that a token works (``token_check``), and the encrypted settings
location (``settings``)."""
