"""``python -m bigcommerce_lookalike``: see ``cli``."""

from bigcommerce_lookalike.cli import main

raise SystemExit(main())
