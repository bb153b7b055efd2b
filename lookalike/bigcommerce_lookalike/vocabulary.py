"""Words the generated store is made of: names, places, products. Plain data, no logic."""

from __future__ import annotations

FIRST_NAMES = (
    "Jane", "John", "Maria", "Ahmed", "Li", "Sofia", "Lucas", "Emma", "Noah", "Olivia", "Liam", "Ava",
    "Mateo", "Mia", "Elijah", "Chloe", "Yuki", "Priya", "Omar", "Fatima", "Ivan", "Anna", "Kofi", "Amara",
    "Diego", "Lena", "Marco", "Sara", "Tom", "Grace",
)  # fmt: skip

LAST_NAMES = (
    "Doe", "Smith", "Garcia", "Khan", "Wang", "Rossi", "Silva", "Brown", "Martin", "Nguyen", "Kim", "Patel",
    "Lopez", "Müller", "Dubois", "Novak", "Okafor", "Tanaka", "Jensen", "O'Brien", "Cohen", "Ivanova",
    "Mensah", "Hernández", "Costa", "Larsen", "Ali", "Moreau", "Schmidt", "Walker",
)  # fmt: skip

COMPANIES = ("", "", "", "Acme Pty Ltd", "Laser Ltd", "Northwind", "Globex", "Initech", "Umbrella Co", "Hooli")

STREETS = (
    "Main Street", "Oak Avenue", "Congress Ave", "Sussex St", "Elm Road", "Maple Drive", "Lake Shore Dr",
    "Market Street", "Sunset Blvd", "Pine Lane", "Cedar Court", "Harbour Road",
)  # fmt: skip

# (city, state, zip prefix, country, country_iso2, shipping zone id, shipping zone name)
PLACES = (
    ("Austin", "Texas", "787", "United States", "US", 1, "United States"),
    ("Chicago", "Illinois", "606", "United States", "US", 1, "United States"),
    ("Seattle", "Washington", "981", "United States", "US", 1, "United States"),
    ("New York", "New York", "100", "United States", "US", 1, "United States"),
    ("Denver", "Colorado", "802", "United States", "US", 1, "United States"),
    ("Miami", "Florida", "331", "United States", "US", 1, "United States"),
    ("Toronto", "Ontario", "M5V", "Canada", "CA", 2, "Canada"),
    ("Sydney", "New South Wales", "200", "Australia", "AU", 3, "Rest of the World"),
    ("London", "London", "EC1", "United Kingdom", "GB", 3, "Rest of the World"),
    ("Berlin", "Berlin", "101", "Germany", "DE", 3, "Rest of the World"),
)

ADJECTIVES = (
    "Classic", "Organic", "Vintage", "Everyday", "Premium", "Rustic", "Modern", "Handmade", "Compact",
    "Deluxe", "Lightweight", "Waxed", "Striped", "Ceramic", "Recycled", "Linen",
)  # fmt: skip

NOUNS = (
    "Mug", "Towel", "Journal", "Tote Bag", "Water Bottle", "Candle", "Notebook", "Apron", "Blanket",
    "Backpack", "Tea Set", "Planter", "Scarf", "Lamp", "Cutting Board", "Poster",
)  # fmt: skip

SIZES = ("S", "M", "L", "XL")

BRAND_NAMES = (
    "Common Good", "Sagaform", "OFS", "Fog Linen", "Smith Journal", "Able Brewing", "Chemex", "Hario",
    "Kinto", "Iittala", "Muji", "Stelton", "Hay", "Menu", "Ferm Living", "Normann", "Bodum", "Eva Solo",
    "Le Creuset", "Lodge",
)  # fmt: skip

# Sub-categories; the roots ("Shop All", "Kitchen", ...) are in catalog.py.
CATEGORY_NAMES = (
    "Mugs", "Towels", "Journals", "Bags", "Candles", "Textiles", "Lighting", "Decor", "Outdoor", "Gifts",
    "Sale", "New Arrivals", "Tea", "Coffee", "Stationery", "Kids", "Travel", "Storage",
)  # fmt: skip

PAYMENT_METHODS = ("Credit Card", "Credit Card", "Credit Card", "PayPal", "Manual", "Cash on Delivery")
SHIPPING_METHODS = ("Free Shipping", "Flat Rate", "UPS Ground", "USPS Priority", "FedEx 2Day")
GATEWAYS = ("braintree", "stripe", "authorizenet", "square")
CARD_TYPES = ("visa", "master", "american_express", "discover")

# Pickup locations, id = position + 1: (name, code, address_line_1, address_line_2, city, state, postal_code,
# country_alpha2, email, phone), the fields of orders.v2.oas2.yml ``pickupConsignmentLocation_Base``.
PICKUP_LOCATIONS = (
    ("Congress Store", "AUS-1", "410 Congress Ave", "Suite 101", "Austin", "Texas", "78701", "US",
     "austin@example.com", "+1 512-555-0101"),
    ("Lake Shore Depot", "CHI-1", "88 Lake Shore Dr", "", "Chicago", "Illinois", "60611", "US",
     "chicago@example.com", "+1 312-555-0102"),
    ("Harbour Counter", "SYD-1", "5 Harbour Road", "Level 2", "Sydney", "New South Wales", "2000", "AU",
     "sydney@example.com", "+61 2 5550 0103"),
)  # fmt: skip
PICKUP_METHOD = (1, "Pick Up", "Bring your order number and an ID", "Ready within 2 hours, 9am - 6pm")
