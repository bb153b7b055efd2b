"""The HTML a merchant sees: the consent page (Approve / Deny) and the OAuth error page.

No script, one form: a real browser and the ``Sandbox.approve`` helper submit it the same way. The buttons
carry the ids ``approve`` and ``deny`` for browser tests.
"""

from __future__ import annotations

from html import escape

_STYLE = (
    "body{font-family:sans-serif;max-width:32rem;margin:4rem auto;color:#313440}"
    "button{font-size:1rem;padding:.5rem 1.5rem;margin-right:1rem}li{font-family:monospace}"
)


def consent_page(*, app_name: str, store_name: str, store_hash: str, scopes: list[str], consent_id: str) -> str:
    items = "".join(f"<li>{escape(scope)}</li>" for scope in scopes)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Install {escape(app_name)}</title><style>{_STYLE}</style></head>
<body>
<h1>Install {escape(app_name)}</h1>
<p><strong>{escape(app_name)}</strong> asks for access to the store <strong>{escape(store_name)}</strong>
(<code>stores/{escape(store_hash)}</code>). It will be able to:</p>
<ul id="scopes">{items}</ul>
<form method="post" action="/oauth2/authorize/decision">
<input type="hidden" name="consent" value="{escape(consent_id)}">
<button type="submit" id="approve" name="decision" value="approve">Approve</button>
<button type="submit" id="deny" name="decision" value="deny">Deny</button>
</form>
</body></html>
"""


def error_page(title: str, message: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title><style>{_STYLE}</style></head>
<body><h1 id="error">{escape(title)}</h1><p id="message">{escape(message)}</p></body></html>
"""
