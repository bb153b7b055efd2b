"""OAuth for BigCommerce custom apps: the client, the encrypted settings location, InitiateOAuth, the web procedures.

Each module owns one concern: ``client`` (the token endpoint), ``settings`` (what a location holds, and the code
exchange into it), ``crypto``, ``settings_file`` and ``settings_store`` (the encrypted, shared OAuthSettingsLocation),
``token_provider`` (InitiateOAuth), ``desktop`` (the browser flow), ``procedures`` (the web-app procedures) and
``signed_payload`` (BigCommerce's callback JWTs).
"""
