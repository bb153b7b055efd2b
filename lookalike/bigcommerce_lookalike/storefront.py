"""The storefront's lists: sites, redirects, blog posts and the store's system log, each a ``Records``."""

from __future__ import annotations

from typing import Any

from bigcommerce_lookalike.catalog import Catalog
from bigcommerce_lookalike.formats import iso8601
from bigcommerce_lookalike.records import Records
from bigcommerce_lookalike.seeded import Draws
from bigcommerce_lookalike.timeline import Timeline

KIND_REDIRECT = 180
KIND_LOG = 181
KIND_LOG_TIME = 182
REDIRECTS = 25
LOG_ENTRIES = 40
_POSTS = (
    "Caring for linen",
    "Five ways to use a tote",
    "Our spring catalogue",
    "Behind the kiln",
    "Gift guide",
    "Meet the makers",
    "How we ship",
)
# store_logs.v3.yml ``SystemLog``: (type, module, severity, summary)
_LOG_EVENTS = (
    ("general", "Emails", "1", "Order confirmation sent"),
    ("payment", "Checkout", "2", "Payment gateway answered slowly"),
    ("shipping", "Shipping", "3", "A shipping quote failed"),
    ("general", "Products", "1", "Product import finished"),
)


class Storefront:
    """The storefront lists of one store: a site for the storefront channel, redirects of retired paths to
    products and categories, blog posts, and the system log."""

    def __init__(self, seed: int, catalog: Catalog, domain: str, start: int, end: int) -> None:
        self.seed, self.catalog, self.domain, self.start = seed, catalog, domain, start
        self._log_times = Timeline(seed, KIND_LOG_TIME, LOG_ENTRIES, start, end)
        self.sites = Records(1, self.site)
        self.redirects = Records(REDIRECTS if catalog.product_count else 0, self.redirect)
        self.blog_posts = Records(len(_POSTS), self.blog_post)
        self.store_logs = Records(LOG_ENTRIES, self.log_entry)

    def site(self, index: int) -> dict[str, Any]:
        """sites.v3.yml ``Site``: the storefront channel's."""
        created, updated = iso8601(self.start - 86400 * 365), iso8601(self.start - 86400 * 30)
        url = f"https://{self.domain}"
        return {
            "id": index + 1,
            "url": url,
            "channel_id": index + 1,
            "created_at": created,
            "updated_at": updated,
            "ssl_status": "shared",
            "urls": [
                {"url": url, "type": kind, "created_at": created, "updated_at": updated}
                for kind in ("primary", "checkout")
            ],
            "is_checkout_url_customized": False,
        }

    def redirect(self, index: int) -> dict[str, Any]:
        """redirects.v3.yml ``301RedirectRead``: an old path to a product (the dynamic ``to``)."""
        product_id = 1 + Draws(self.seed, KIND_REDIRECT, index).below(self.catalog.product_count)
        return {
            "id": index + 1,
            "site_id": 1,
            "from_path": f"/old/item-{index + 1}",
            "to": {"type": "product", "entity_id": product_id},
            "to_url": f"https://{self.domain}/products/{product_id}/",
        }

    def blog_post(self, index: int) -> dict[str, Any]:
        """store_content.v2.yml ``blogPost_Full``."""
        title = _POSTS[index]
        slug = "-".join(title.lower().split())
        published = self.start + 86400 * 7 * index
        date = iso8601(published)
        return {
            "id": index + 1,
            "title": title,
            "url": f"/blog/{slug}/",
            "preview_url": f"/blog/{slug}/",
            "body": f"<p>{title}.</p>",
            "tags": ["news"] if index % 2 else [],
            "summary": f"<p>{title}.</p>",
            "is_published": index != len(_POSTS) - 1,
            "published_date": {"timezone_type": 1, "date": date, "timezone": "+00:00"},
            "published_date_iso8601": date,
            "meta_description": title,
            "meta_keywords": None,
            "author": "Store team",
            "thumbnail_path": None,
        }

    def log_entry(self, index: int) -> dict[str, Any]:
        """store_logs.v3.yml ``SystemLog``."""
        kind, module, severity, summary = _LOG_EVENTS[Draws(self.seed, KIND_LOG, index).below(len(_LOG_EVENTS))]
        return {
            "id": index + 1,
            "type": kind,
            "module": module,
            "severity": severity,
            "summary": summary,
            "message": f"{summary} (entry {index + 1})",
            "date_created": iso8601(self._log_times.at(index)),
        }
