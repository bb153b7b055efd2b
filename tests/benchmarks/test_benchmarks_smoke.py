"""Every benchmark runs end to end at toy sizes and produces its figures. No timing is asserted here.

The figures themselves come from ``python -m benchmarks`` (``make bench``) and are recorded in benchmarks/RESULTS.md
and docs/performance.md.
"""

from __future__ import annotations

import pytest

from benchmarks import (
    BENCHMARKS,
    change_polls,
    fleet_quota,
    import_cost,
    many_stores,
    memory,
    order_lines,
    soak,
    throughput,
    token_path,
    warehouse,
)
from benchmarks.report import BenchmarkResult, format_result, machine_info, markdown_report

TOY_SIZES = {
    throughput: {"orders": 600, "window_ms": 500, "latency_ms": 5, "baseline_seconds": 0.1},
    order_lines: {"orders": 300, "large": 0},
    soak: {"exports": 4, "size": 300},
    memory: {"small": 250, "large": 500, "orders": 20},
    token_path: {"processes": 2, "blocks": 2, "calls": 50, "api_calls": 2, "token_lifetime_s": 2},
    fleet_quota: {
        "windows": 1.5,
        "min_seconds": 0,
        "fleets": (2,),
        "settings": (
            fleet_quota.Setting("toy", 20, 1000, 20),
            fleet_quota.Setting("toy-exporting", 20, 1000, 20, "export"),
        ),
    },
    many_stores: {"counts": (1, 3), "quota": 5, "window_ms": 1000, "brands": 300, "windows": 1.5},
    warehouse: {"orders": 600},
    change_polls: {"counts": (1, 3), "orders": 300, "interval": 0.1, "rounds": 3},
    import_cost: {
        "repetitions": 1,
        "modules": ("airflow_provider_bigcommerce.core.properties",),
        "sdk_statement": "import json",
        "warm_up": False,
    },
}
FIGURES = {
    throughput: {"ours_records_per_s", "official_iterall_records_per_s", "plain_records_per_s", "utilization"},
    order_lines: {"ours_per_1000", "one_per_order_requests", "same_line_items"},
    memory: {"small_peak_mb", "large_peak_mb", "spread"},
    token_path: {"added_us", "verifier_token_requests", "refresh_token_requests"},
    import_cost: {"beyond_sdk_ms", "sdk_ms"},
    soak: {"lost", "doubled", "stray", "hangs", "expected", "read"},
    many_stores: {"ceiling_requests_per_s", "most_stores_ratio", "rss_growth_second_half"},
    fleet_quota: {
        "toy_2_shared_utilization",
        "toy_2_unshared_utilization",
        "toy_other_app_429s",
        "toy-exporting_2_shared_utilization",
    },
    change_polls: {"shared_3_requests_per_hour", "unshared_3_requests_per_hour", "shared_1_requests_per_poll"},
    warehouse: {"parquet_records_per_cpu_s", "parquet_bytes_per_record", "load_rows_per_s", "row_by_row_rows_per_s"},
}


def test_every_benchmark_has_toy_sizes():
    assert {module.NAME for module in TOY_SIZES} == set(BENCHMARKS)


@pytest.mark.parametrize("module", list(TOY_SIZES), ids=lambda module: module.NAME)
def test_benchmark_produces_its_figures(module):
    result = module.run(**TOY_SIZES[module])

    assert isinstance(result, BenchmarkResult)
    assert FIGURES[module] <= set(result.figures)
    assert result.checks and all(check.measured for check in result.checks)
    assert module.NAME in format_result(result)
    assert "| benchmark |" in markdown_report([result], machine_info(), "python -m benchmarks")


def test_the_soak_loses_doubles_and_hangs_nothing_at_toy_size():
    figures = soak.run(**TOY_SIZES[soak]).figures

    assert figures["exports"] == 4 and figures["read"] > 0
    assert (figures["lost"], figures["doubled"], figures["stray"], figures["hangs"]) == (0, 0, 0, 0)
