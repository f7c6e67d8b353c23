"""The site's speed page quotes bench/RESULTS.md: every median it shows is in a line of that
file for the same workload, so a new `make bench` run that changes a figure fails here until
the page quotes the new one."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "explanation" / "speed.md"
RESULTS = ROOT / "bench" / "RESULTS.md"
FIGURE = re.compile(r"^\| (?P<workload>[^|]+) \| [^|]+ \| (?P<median>[\d.,]+ (?:ms|µs|s)) \|$")


def quoted() -> list[tuple[str, str]]:
    """(workload, median) of every row of the page's tables that shows a median."""
    rows = [FIGURE.match(line) for line in PAGE.read_text(encoding="utf-8").splitlines()]
    return [(m["workload"].strip(), m["median"]) for m in rows if m]


def test_the_speed_page_quotes_figures() -> None:
    assert len(quoted()) >= 15


def test_every_median_on_the_speed_page_is_in_the_benchmark_results() -> None:
    results = RESULTS.read_text(encoding="utf-8").splitlines()
    for workload, median in quoted():
        word = workload.split()[0].lower().replace("tracing", "moons")
        batch = workload.startswith("B=")
        lines = [
            line
            for line in results
            if f"| {median} |" in line
            and (f"batch of {workload}" in line if batch else word in line.lower())
        ]
        assert lines, f"speed.md quotes {median} for {workload!r}: not in bench/RESULTS.md"
