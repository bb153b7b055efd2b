"""Typed records: the types a field can be declared with (``types``), a resource's record schema and the typing of
its records (``records``), and the declared schema of every catalogue resource (``catalogue``)."""
