"""Speed and scale of the provider, measured against the lookalike store (issue "Speed and scale").

Each module measures one thing and returns a ``report.BenchmarkResult`` from ``run(**sizes)``; ``FULL`` and
``QUICK`` are its sizes for ``python -m benchmarks`` and ``python -m benchmarks --quick``. Every figure is a
ratio against a baseline measured side by side in the same run, because these machines are shared and noisy.
"""

BENCHMARKS = (
    "throughput",
    "order_lines",
    "memory",
    "token_path",
    "import_cost",
    "soak",
    "fleet_quota",
    "many_stores",
    "warehouse",
    "change_polls",
)
