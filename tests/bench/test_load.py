"""bench/load.py at a tiny scale: gunicorn under mixed load, its figures printed,
and every acknowledged submission found stored."""

from __future__ import annotations

import re

import pytest

from bench.load import FLOOR_KIND, KINDS

NUMBER = r"[\d,]+(?:\.\d+)?"


@pytest.mark.postgres
def test_load_prints_its_figures_and_loses_no_submission(run_bench):
    out = run_bench("load.py", "load", "--scale", "0.002", "--seconds", "3", "--clients", "4", "--workers", "2")

    for kind in (*KINDS, "all"):
        line = re.search(rf"^{re.escape(kind)}\s+({NUMBER})\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}$", out, re.M)
        assert line, f"no figures for {kind}:\n{out}"
        assert int(line[1].replace(",", "")) > 0, f"no {kind} request was sent"
    assert re.search(r"^errors: 0$", out, re.M), out
    stored = re.search(
        r"^submissions: ([\d,]+) acknowledged \(201\), ([\d,]+) of them stored, 0 lost; 0 stored twice; "
        r"0 stored without an acknowledgment$",
        out,
        re.M,
    )
    assert stored, out
    assert int(stored[1].replace(",", "")) == int(stored[2].replace(",", "")) > 0
    assert re.search(r"^target: ≥ 300 requests/s with p95 ≤ 150 ms and 0 errors on 2 cores: (met|MISSED) ", out, re.M)
    cpu = re.search(
        rf"^CPU per request: ({NUMBER}) ms \(gunicorn ({NUMBER}), PostgreSQL ({NUMBER}), clients ({NUMBER})\); "
        rf"(\d+) cores allow ({NUMBER}) requests/s at this cost$",
        out,
        re.M,
    )
    assert cpu, out
    total, gunicorn, postgres, clients = (float(cpu[n]) for n in range(1, 5))
    assert gunicorn > 0 and postgres > 0, "the server's processes and the database did the work"
    assert total == pytest.approx(gunicorn + postgres + clients, abs=0.02)
    assert float(cpu[6]) == pytest.approx(int(cpu[5]) * 1000 / total, rel=0.01)


@pytest.mark.postgres
def test_a_mix_of_submissions_only_sends_nothing_else(run_bench):
    tiny = ("--scale", "0.002", "--seconds", "2", "--clients", "2", "--workers", "1")
    out = run_bench("load.py", "load-mix", *tiny, "--mix", "0,0,1")

    sent = {kind: int(re.search(rf"^{re.escape(kind)}\s+({NUMBER})", out, re.M)[1].replace(",", "")) for kind in KINDS}
    assert sent[KINDS[0]] == sent[KINDS[1]] == 0 and sent[KINDS[2]] > 0, out
    assert re.search(r"^errors: 0$", out, re.M), out


@pytest.mark.parametrize("mix", ["0.5,0.5", "0.6,0.3,0.2", "1,-0.5,0.5", "a,b,c"])
def test_a_mix_must_be_three_shares_that_add_up_to_one(mix):
    import argparse

    from bench.load import _shares

    with pytest.raises(argparse.ArgumentTypeError):
        _shares(mix)


@pytest.mark.postgres
def test_the_floor_sends_only_the_cheapest_request(run_bench):
    out = run_bench(
        "load.py", "load-floor", "--scale", "0.002", "--seconds", "2", "--clients", "2", "--workers", "1", "--floor"
    )

    line = re.search(rf"^{re.escape(FLOOR_KIND)}\s+({NUMBER})\s", out, re.M)
    assert line and int(line[1].replace(",", "")) > 0, out
    assert not any(re.search(rf"^{re.escape(kind)}\s", out, re.M) for kind in KINDS), out
    assert re.search(r"^errors: 0$", out, re.M), out
