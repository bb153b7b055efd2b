"""Exporting one resource to storage: the catalogue (``resources``, ``consignments``), the window a run claims
(``windows``), the files and their atomic replacement (``files``), the run itself (``run``), tombstones from
evidence (``tombstones``, ``id_snapshot``), and the destination's rules (``destination``, ``store_marker``)."""
