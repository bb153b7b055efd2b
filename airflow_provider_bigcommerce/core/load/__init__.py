"""Loading a resource into a database table, exactly once per window: the databases' differences (``dialects``),
the table made from a resource's typed schema (``table``), and the load itself (``run``)."""
