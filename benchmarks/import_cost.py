"""Import cost: what importing the provider's operator, sensor and hook modules adds to ``import airflow.sdk``.

DAG parsing pays it on every file that uses the provider. Each contender runs in a fresh interpreter under
``python -X importtime``, alternating, several times; figures are medians.

- *beyond airflow.sdk* (the target): in each run of ours, the summed self time of every module that
  ``import airflow.sdk`` does not load itself (module sets compared by name). Measured inside one process, so it is
  not blurred by the difference of two noisy totals; that difference (paired, median) is printed as well.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from benchmarks.report import BenchmarkResult, Check

NAME = "import_cost"
TARGET_MS = 50.0
PROVIDER_MODULES = (
    "airflow_provider_bigcommerce.operators.refresh_token",
    "airflow_provider_bigcommerce.transfers.bigcommerce_to_storage",
    "airflow_provider_bigcommerce.sensors.token",
    "airflow_provider_bigcommerce.hooks.bigcommerce",
)
SDK_STATEMENT = "import airflow.sdk"
# Heavy or run-time-only modules that DAG parsing should not pay for.
LAZY_MODULES = (
    "cryptography",
    "airflow_provider_bigcommerce.core.http.client",
    "airflow_provider_bigcommerce.core.auth.settings.crypto",
    "bigcommerce_lookalike",
)


@dataclass(frozen=True)
class ImportProfile:
    """One ``-X importtime`` run: self microseconds per module, the import tree, the wall time of the process.

    ``tree`` lists ``(depth, module, self_us)`` in the order Python prints them: a module after everything it
    imported (its subtree is the lines before it that are deeper).
    """

    self_us: dict[str, int]
    tree: list[tuple[int, str, int]]
    wall_s: float

    @property
    def total_ms(self) -> float:
        return sum(self.self_us.values()) / 1000

    def beyond_ms(self, baseline_modules: set[str]) -> float:
        return sum(us for module, us in self.self_us.items() if module not in baseline_modules) / 1000

    def subtree_beyond_ms(self, baseline_modules: set[str]) -> dict[str, float]:
        """Per module: its own time plus everything it pulled in, counting only modules the baseline lacks."""
        totals: dict[str, float] = {}
        pending: list[tuple[int, float]] = []
        for depth, module, self_us in self.tree:
            subtree = 0.0 if module in baseline_modules else self_us / 1000
            while pending and pending[-1][0] > depth:
                subtree += pending.pop()[1]
            pending.append((depth, subtree))
            totals[module] = totals.get(module, 0.0) + subtree
        return totals


def profile_imports(statement: str) -> ImportProfile:
    """Run ``statement`` in a fresh interpreter with ``-X importtime``; fail loudly if it fails."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", statement], capture_output=True, text=True, timeout=300
    )
    wall_s = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"`{statement}` failed: {result.stderr[-2000:]}")
    self_us: dict[str, int] = {}
    tree: list[tuple[int, str, int]] = []
    for line in result.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        fields = line[len("import time:") :].split("|")
        if len(fields) != 3 or not fields[0].strip().isdigit():
            continue  # the header line
        module = fields[2].strip()
        depth = (len(fields[2]) - len(fields[2].lstrip()) - 1) // 2  # two spaces per level
        self_us[module] = self_us.get(module, 0) + int(fields[0])
        tree.append((depth, module, int(fields[0])))
    return ImportProfile(self_us, tree, wall_s)


def _module_kind(module: str) -> str:
    if module.startswith("airflow_provider_bigcommerce"):
        return "ours"
    if module.split(".")[0] == "airflow":
        return "airflow"
    return "third-party"


def run(
    *,
    repetitions: int = 5,
    modules: tuple[str, ...] = PROVIDER_MODULES,
    sdk_statement: str = SDK_STATEMENT,
    warm_up: bool = True,
) -> BenchmarkResult:
    """``sdk_statement`` is the baseline (the smoke test swaps in a cheap one)."""
    started = time.perf_counter()
    ours_statement = "import " + ", ".join(modules)
    if warm_up:  # one untimed run each: writes .pyc files, warms the page cache
        for statement in (sdk_statement, ours_statement):
            profile_imports(statement)
    sdk_runs: list[ImportProfile] = []
    our_runs: list[ImportProfile] = []
    for repetition in range(repetitions):
        order = [(sdk_statement, sdk_runs), (ours_statement, our_runs)]
        for statement, runs in order if repetition % 2 == 0 else reversed(order):
            runs.append(profile_imports(statement))

    sdk_modules = set().union(*(run.self_us for run in sdk_runs))
    beyond_sdk = statistics.median(run.beyond_ms(sdk_modules) for run in our_runs)
    paired_difference = statistics.median(
        ours.total_ms - sdk.total_ms for ours, sdk in zip(our_runs, sdk_runs, strict=True)
    )
    sdk_ms = statistics.median(run.total_ms for run in sdk_runs)
    ours_ms = statistics.median(run.total_ms for run in our_runs)
    wall = {
        label: statistics.median(run.wall_s for run in runs) for label, runs in (("sdk", sdk_runs), ("ours", our_runs))
    }

    result = BenchmarkResult(NAME, "import cost of the operator, sensor and hook modules (python -X importtime)")
    result.columns = ["statement", "import time (median)", "process wall time (median)"]
    result.rows = [
        [sdk_statement, f"{sdk_ms:.0f} ms", f"{wall['sdk'] * 1000:.0f} ms"],
        ["import " + ", ".join(m.rsplit(".", 2)[-2] + "." + m.rsplit(".", 1)[-1] for m in modules),
         f"{ours_ms:.0f} ms", f"{wall['ours'] * 1000:.0f} ms"],
    ]  # fmt: skip
    result.checks = [
        Check(
            "import time beyond `import airflow.sdk` (modules it does not load)",
            f"{beyond_sdk:.1f} ms",
            f"< {TARGET_MS:.0f} ms",
            beyond_sdk < TARGET_MS,
            baseline=f"{sdk_ms:.0f} ms",
            ratio=f"+{beyond_sdk / sdk_ms * 100:.1f} %" if sdk_ms else "",
        ),
        Check(
            "same, as the paired difference of total import times",
            f"{paired_difference:.1f} ms",
            "noisy cross-check",
            None,
            baseline=f"{sdk_ms:.0f} ms",
        ),
    ]
    result.figures = {
        "beyond_sdk_ms": beyond_sdk,
        "paired_difference_ms": paired_difference,
        "sdk_ms": sdk_ms,
        "ours_ms": ours_ms,
    }
    heaviest = _heaviest(our_runs, sdk_modules)
    result.notes.append(
        "heaviest modules beyond airflow.sdk (median self time): "
        + ", ".join(f"{module} {ms:.1f} ms ({_module_kind(module)})" for module, ms in heaviest)
    )
    by_kind: dict[str, float] = {}
    for module, ms in _medians(our_runs, sdk_modules).items():
        by_kind[_module_kind(module)] = by_kind.get(_module_kind(module), 0.0) + ms
    result.notes.append(
        "beyond airflow.sdk by origin: " + ", ".join(f"{kind} {ms:.1f} ms" for kind, ms in sorted(by_kind.items()))
    )
    subtrees = [run.subtree_beyond_ms(sdk_modules) for run in our_runs]
    own = sorted(
        ((module, statistics.median(subtree.get(module, 0.0) for subtree in subtrees))
         for module in subtrees[0] if _module_kind(module) == "ours"),
        key=lambda item: item[1], reverse=True,
    )[:5]  # fmt: skip
    result.notes.append(
        "our modules with what they pull in beyond airflow.sdk: "
        + ", ".join(f"{module} {ms:.1f} ms" for module, ms in own)
    )
    loaded = set().union(*(run.self_us for run in our_runs))

    def lazy(module: str) -> str:
        if module in sdk_modules:
            return "loaded by airflow.sdk itself"
        return "IMPORTED by ours" if module in loaded else "not imported"

    result.notes.append("left for first use: " + ", ".join(f"{module}: {lazy(module)}" for module in LAZY_MODULES))
    result.notes.append(f"{repetitions} alternating repetitions per statement; medians.")
    result.seconds = time.perf_counter() - started
    return result


def _medians(runs: list[ImportProfile], baseline_modules: set[str]) -> dict[str, float]:
    modules = {module for run in runs for module in run.self_us if module not in baseline_modules}
    return {module: statistics.median(run.self_us.get(module, 0) for run in runs) / 1000 for module in modules}


def _heaviest(runs: list[ImportProfile], baseline_modules: set[str], count: int = 8) -> list[tuple[str, float]]:
    return sorted(_medians(runs, baseline_modules).items(), key=lambda item: item[1], reverse=True)[:count]


FULL = {"repetitions": 5}
QUICK = {"repetitions": 3}
