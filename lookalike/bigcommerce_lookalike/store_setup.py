"""How the store is set up: inventory locations, pickup methods, shipping zones and their methods, currencies, tax
classes, payment methods and countries. Small fixed lists, each a ``Records``; the locations are the inventory's
(``store_extras.LOCATIONS``) at the pickup addresses orders name (``vocabulary.PICKUP_LOCATIONS``).
"""

from __future__ import annotations

from typing import Any

from bigcommerce_lookalike import vocabulary as words
from bigcommerce_lookalike.formats import iso8601
from bigcommerce_lookalike.records import Records
from bigcommerce_lookalike.store_extras import LOCATIONS
from bigcommerce_lookalike.timeline import Timeline

KIND_PICKUP_TIME = 170
_DAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
# (zone id and name as ``vocabulary.PLACES`` has them, type, the places it covers)
_ZONES = ((1, "United States", "country", ("US",)), (2, "Canada", "country", ("CA",)))
_ZONES += ((3, "Rest of the World", "global", ()),)
# (name, type, rate) of each zone's methods: shipping.v2.yml ``shippingMethod_Base.type``.
_METHODS = (("Flat Rate", "perorder", 9.99), ("Free Shipping", "freeshipping", 0.0))
# (code, name, symbol, exchange rate, default-for countries)
_CURRENCIES = (
    ("USD", "US Dollar", "$", "1.0000000000", ("US",)),
    ("EUR", "Euro", "€", "0.9200000000", ("DE",)),
    ("GBP", "Pound Sterling", "£", "0.7900000000", ("GB",)),
    ("CAD", "Canadian Dollar", "$", "1.3600000000", ("CA",)),
)
_TAX_CLASSES = ("Non-Taxable Products", "Shipping", "Gift Wrapping")
# methods_payments.v2.yml ``paymentMethod_Full``: (code, name, test mode)
_PAYMENT_METHODS = (
    ("braintree", "Braintree", False),
    ("stripe", "Stripe", False),
    ("paypalexpress", "PayPal Express Checkout", False),
    ("cheque", "Check", False),
    ("cod", "Cash on Delivery", False),
    ("testgateway", "Test Payment Gateway", True),
)
_COUNTRIES = (
    ("Australia", "AU", "AUS"),
    ("Austria", "AT", "AUT"),
    ("Brazil", "BR", "BRA"),
    ("Canada", "CA", "CAN"),
    ("France", "FR", "FRA"),
    ("Germany", "DE", "DEU"),
    ("India", "IN", "IND"),
    ("Japan", "JP", "JPN"),
    ("Mexico", "MX", "MEX"),
    ("New Zealand", "NZ", "NZL"),
    ("United Kingdom", "GB", "GBR"),
    ("United States", "US", "USA"),
)


# pickup_methods.v3.yml: each location offers these ways to collect, ``PICKUP_METHOD`` first.
_PICKUPS = (words.PICKUP_METHOD[1:], ("Curbside", "Call us when you arrive", "Ready within 4 hours"))
_PICKUPS += (("Locker", "Use the code we send you", "Ready next day"),)


class StoreSetup:
    """The setup lists of one store."""

    def __init__(self, seed: int, start: int, end: int, api_root: str) -> None:
        self.start = start
        self.api_root = api_root  # "{base_url}/stores/{hash}/v2", for the countries' states links
        pickups = len(LOCATIONS) * len(_PICKUPS)
        self._pickup_times = Timeline(seed, KIND_PICKUP_TIME, pickups, start, end)
        self.locations = Records(len(LOCATIONS), self.location)
        self.pickup_methods = Records(pickups, self.pickup_method, self._pickup_times)
        self.shipping_zones = Records(len(_ZONES), self.shipping_zone)
        self.currencies = Records(len(_CURRENCIES), self.currency)
        self.tax_classes = Records(len(_TAX_CLASSES), self.tax_class)
        self.payment_methods = Records(len(_PAYMENT_METHODS), self.payment_method)
        self.countries = Records(len(_COUNTRIES), self.country)

    def location(self, index: int) -> dict[str, Any]:
        """locations.v3.yml ``Location``: open on weekdays, at a pickup address."""
        location_id, code, label = LOCATIONS[index]
        _, _, street, street_2, city, state, postal_code, country, email, phone = words.PICKUP_LOCATIONS[index]
        hours = {
            day: {"open": day not in ("sunday", "saturday"), "opening": "09:00", "closing": "18:00"} for day in _DAYS
        }
        return {
            "id": location_id,
            "code": code,
            "label": label,
            "description": f"{label} in {city}",
            "managed_by_external_source": False,
            "type_id": "PHYSICAL",
            "enabled": True,
            "operating_hours": hours,
            "time_zone": "America/Chicago" if country == "US" else "Australia/Sydney",
            "created_at": iso8601(self.start - 86400 * 200),
            "updated_at": iso8601(self.start - 86400 * 100),
            "address": {
                "address1": street,
                "address2": street_2,
                "city": city,
                "state": state,
                "zip": postal_code,
                "email": email,
                "phone": phone,
                "geo_coordinates": {"latitude": 30.2672, "longitude": -97.7431},
                "country_code": country,
            },
            "storefront_visibility": True,
            "special_hours": [],
        }

    def pickup_method(self, index: int) -> dict[str, Any]:
        """pickup_methods.v3.yml ``PickupMethod``: each of ``_PICKUPS`` at each location."""
        location, kind = divmod(index, len(_PICKUPS))
        name, instructions, description = _PICKUPS[kind]
        modified = self._pickup_times.at(index)
        return {
            "id": index + 1,
            "location_id": LOCATIONS[location][0],
            "display_name": name,
            "collection_instructions": instructions,
            "collection_time_description": description,
            "location_identity": LOCATIONS[location][0],
            "date_created": iso8601(modified - 86400),
            "date_modified": iso8601(modified),
        }

    def shipping_zone(self, index: int) -> dict[str, Any]:
        """shipping.v2.yml ``shippingZone_Full``."""
        zone_id, name, kind, countries = _ZONES[index]
        return {
            "id": zone_id,
            "name": name,
            "type": kind,
            "locations": [{"id": zone_id * 10 + n, "country_iso2": iso2} for n, iso2 in enumerate(countries)],
            "free_shipping": {"enabled": True, "minimum_sub_total": "100.00", "exclude_fixed_shipping_products": False},
            "handling_fees": {"fixed_surcharge": "0", "display_separately": True},
            "enabled": True,
        }

    def shipping_methods(self, zone_id: int) -> Records | None:
        """The methods of zone ``zone_id`` (ids run on from zone to zone), or None when there is no such zone."""
        if not 1 <= zone_id <= len(_ZONES):
            return None

        def method(index: int) -> dict[str, Any]:
            name, kind, rate = _METHODS[index]
            return {
                "id": (zone_id - 1) * len(_METHODS) + index + 1,
                "name": name,
                "type": kind,
                "settings": {"rate": rate},
                "enabled": True,
                "handling_fees": {"fixed_surcharge": 0},
                "is_fallback": False,
                "channel_ids": [1],
            }

        return Records(len(_METHODS), method)

    def currency(self, index: int) -> dict[str, Any]:
        """currencies.v2.yml ``currency_Full``."""
        code, name, symbol, rate, countries = _CURRENCIES[index]
        return {
            "id": index + 1,
            "is_default": index == 0,
            "last_updated": iso8601(self.start - 86400 * index),
            "country_iso2": countries[0],
            "default_for_country_codes": list(countries),
            "currency_code": code,
            "currency_exchange_rate": rate,
            "name": name,
            "token": symbol,
            "auto_update": index != 0,
            "token_location": "left",
            "decimal_token": ".",
            "thousands_token": ",",
            "decimal_places": 2,
            "enabled": True,
            "is_transactional": index == 0,
            "use_default_name": True,
        }

    def tax_class(self, index: int) -> dict[str, Any]:
        """tax_classes.v2.yml ``taxClass_Full``: ids are strings."""
        return {
            "id": str(index + 1),
            "name": _TAX_CLASSES[index],
            "created_at": iso8601(self.start - 86400 * 300),
            "updated_at": iso8601(self.start - 86400 * 300),
        }

    def payment_method(self, index: int) -> dict[str, Any]:
        code, name, test_mode = _PAYMENT_METHODS[index]
        return {"code": code, "name": name, "test_mode": test_mode}

    def country(self, index: int) -> dict[str, Any]:
        """geography.v2.yml ``country_Full``, with the link to its states."""
        name, iso2, iso3 = _COUNTRIES[index]
        resource = f"/countries/{index + 1}/states"
        return {
            "id": index + 1,
            "country": name,
            "country_iso2": iso2,
            "country_iso3": iso3,
            "states": {"url": f"{self.api_root}{resource}", "resource": resource},
        }
