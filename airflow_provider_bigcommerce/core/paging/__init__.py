"""Walking BigCommerce's lists so that every record that matches throughout is read exactly once: the walk
(``walk``), its decisions free of I/O (``rules``), and lists that exist only per parent (``fan_out``)."""
