"""Customers (v3), built on demand from the seed; orders borrow their names and addresses."""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from bigcommerce_lookalike import vocabulary as words
from bigcommerce_lookalike.formats import iso8601
from bigcommerce_lookalike.json_template import (
    JsonTemplate,
    Partial,
    encode,
    flag,
    integer,
    later,
    text,
    with_member,
)
from bigcommerce_lookalike.seeded import Draws
from bigcommerce_lookalike.shapes import SHAPE_POOL, ShapePicker
from bigcommerce_lookalike.timeline import Timeline

KIND_CUSTOMER = 30
KIND_CUSTOMER_TIME = 31
KIND_GUEST = 32
KIND_CUSTOMER_PICK = 33
KIND_RECIPIENT = 34

# customers.v3.yml ``customer_Full`` (without ``include``).
CUSTOMER = JsonTemplate(
    {
        "id": integer("id"),
        "email": text("email"),
        "first_name": text("first_name"),
        "last_name": text("last_name"),
        "company": text("company"),
        "phone": text("phone"),
        "registration_ip_address": "",
        "notes": "",
        "tax_exempt_category": "",
        "customer_group_id": integer("customer_group_id"),
        "date_modified": text("date_modified"),
        "date_created": text("date_created"),
        "address_count": 1,
        "attribute_count": 0,
        "authentication": {"force_password_reset": False},
        "accepts_product_review_abandoned_cart_emails": flag("accepts_emails"),
        "origin_channel_id": 1,
        "channel_ids": [1],
    }
)

# customers.v3.yml ``address_Full`` (``include=addresses``).
ADDRESS = JsonTemplate(
    {
        "id": integer("id"),
        "customer_id": integer("customer_id"),
        "first_name": text("first_name"),
        "last_name": text("last_name"),
        "company": text("company"),
        "address1": text("address1"),
        "address2": "",
        "city": text("city"),
        "state_or_province": text("state_or_province"),
        "postal_code": text("postal_code"),
        "country": text("country"),
        "country_code": text("country_code"),
        "phone": text("phone"),
        "address_type": text("address_type"),
    }
)


class Person(NamedTuple):
    """A name and a postal address, shared by a customer record and the orders it places."""

    first_name: str
    last_name: str
    company: str
    email: str
    phone: str
    street_1: str
    city: str
    state: str
    zip: str
    country: str
    country_iso2: str
    shipping_zone_id: int
    shipping_zone_name: str


@lru_cache(maxsize=1024)
def _mailbox(first: str, last: str) -> str:
    """``Hernández``, ``O'Brien`` -> ``hernndez``, ``obrien``: the ASCII letters of a name, for emails."""
    return "".join(ch for ch in f"{first}.{last}".lower() if ch.isascii() and (ch.isalnum() or ch == "."))


def person_from(draws: Draws, number: int, domain: str) -> Person:
    """A person whose email is unique by ``number`` (a customer or order id)."""
    first, last = draws.pick(words.FIRST_NAMES), draws.pick(words.LAST_NAMES)
    city, state, zip_prefix, country, iso2, zone_id, zone_name = draws.pick(words.PLACES)
    return Person(
        first_name=first,
        last_name=last,
        company=draws.pick(words.COMPANIES),
        email=f"{_mailbox(first, last)}{number}@{domain}",
        phone=f"555-{draws.between(100, 999)}-{draws.between(1000, 9999)}",
        street_1=f"{draws.between(1, 999)} {draws.pick(words.STREETS)}",
        city=city,
        state=state,
        zip=f"{zip_prefix}{draws.between(10, 99)}",
        country=country,
        country_iso2=iso2,
        shipping_zone_id=zone_id,
        shipping_zone_name=zone_name,
    )


class CustomerShape(NamedTuple):
    """A customer without its id and dates; ``person.email`` gets the id when a customer takes the shape."""

    person: Person
    customer_group_id: int
    accepts_emails: bool
    age_s: int  # how long before its last modification the customer registered
    store_credit: float


class CustomerBook:
    """Customers ``1..count``; ``date_modified`` grows with the id (see ``Timeline``)."""

    def __init__(self, seed: int, count: int, start: int, end: int) -> None:
        self.seed = seed
        self.count = count
        self.timeline = Timeline(seed, KIND_CUSTOMER_TIME, count, start, end)
        self.shape = lru_cache(maxsize=SHAPE_POOL)(self._shape)
        self._shape_number = ShapePicker(seed, KIND_CUSTOMER_PICK, count)
        self.person = lru_cache(maxsize=16384)(self._person)
        self._partial = lru_cache(maxsize=2 * SHAPE_POOL)(self._render_partial)

    def shape_of(self, customer_id: int) -> CustomerShape:
        return self.shape(self._shape_number(customer_id - 1))

    def _shape(self, number: int) -> CustomerShape:
        draws = Draws(self.seed, KIND_CUSTOMER, number)
        return CustomerShape(
            person=person_from(draws, number, "example.com"),
            customer_group_id=draws.below(3),
            accepts_emails=draws.chance(0.3),
            age_s=draws.between(0, 300 * 86400),
            store_credit=float(draws.below(5) * 10),
        )

    def _person(self, customer_id: int) -> Person:
        person = self.shape_of(customer_id).person
        return person._replace(email=f"{_mailbox(person.first_name, person.last_name)}{customer_id}@example.com")

    def guest(self, number: int, *, recipient: bool = False) -> Person:
        """Someone who checked out without an account (``customer_id`` 0), or a gift recipient."""
        kind = KIND_RECIPIENT if recipient else KIND_GUEST
        return person_from(Draws(self.seed, kind, number), number, "guest.example.com")

    def _render_partial(self, shape: CustomerShape, includes: frozenset[str]) -> Partial:
        person = shape.person
        document = CUSTOMER.render(
            id=later("id"),
            email=later("email"),
            first_name=person.first_name,
            last_name=person.last_name,
            company=person.company,
            phone=person.phone,
            customer_group_id=shape.customer_group_id,
            date_modified=later("date_modified"),
            date_created=later("date_created"),
            accepts_emails=shape.accepts_emails,
        )
        if "addresses" in includes:
            address = ADDRESS.render(
                id=later("id"),
                customer_id=later("id"),
                first_name=person.first_name,
                last_name=person.last_name,
                company=person.company,
                address1=person.street_1,
                city=person.city,
                state_or_province=person.state,
                postal_code=person.zip,
                country=person.country,
                country_code=person.country_iso2,
                phone=person.phone,
                address_type="commercial" if person.company else "residential",
            )
            document = with_member(document, "addresses", f"[{address}]")
        if "storecredit" in includes:
            document = with_member(document, "store_credit_amounts", encode([{"amount": shape.store_credit}]))
        if "attributes" in includes:
            document = with_member(document, "attributes", "[]")  # attribute_count is 0
        if "formfields" in includes:
            document = with_member(document, "form_fields", "[]")
        return Partial(document)

    def customer_json(self, index: int, includes: frozenset[str] = frozenset()) -> str:
        """The v3 customer at 0-based ``index`` (customers.v3.yml ``customer_Full``). ``includes`` are the
        ``include`` parameter's blocks: ``addresses``, ``storecredit``, ``attributes``, ``formfields``."""
        customer_id = index + 1
        shape = self.shape_of(customer_id)
        modified = self.timeline.at(index)
        return self._partial(shape, includes).fill(
            {
                "id": customer_id,
                "email": self.person(customer_id).email,
                "date_modified": iso8601(modified),
                "date_created": iso8601(modified - shape.age_s),
            }
        )
