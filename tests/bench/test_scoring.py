"""bench/scoring.py at a tiny scale: every figure printed, with its target."""

from __future__ import annotations

import re

import pytest

from bench.scoring import MEASURES

FIGURES = r"(?:\s+\d+\.\d /\s+\d+\.\d){3}"


@pytest.mark.postgres
def test_scoring_prints_its_figures(run_bench):
    out = run_bench(
        "scoring.py", "scoring", "--agents", "100", "--enrollments", "3000", "--provinces", "4", "--runs", "3",
        "--finalize-runs", "1",
    )  # fmt: skip

    assert re.search(r"^  smallest .+\n  median .+\n  largest .+$", out, re.M), out
    for label, target, _judged in MEASURES:
        tail = rf"\s+≤ {target} ms \((every|largest) cluster\): (met|MISSED)" if target else r"\s+\(reference\)"
        assert re.search(rf"^{re.escape(label)}{FIGURES}{tail}$", out, re.M), f"{label}:\n{out}"
    assert re.search(r"^finalize .+: [\d,]+ final standings stored, \d+ prizes proposed: p50 \d+ ms", out, re.M), out
    assert re.search(r"ratio of medians \d+\.\d\d \(target ≤ 1\.5: (met|MISSED)\)$", out, re.M), out
