"""The API answers what its OpenAPI schema says: schemathesis (``--checks all``) fuzzes every
operation of ``/api/schema/`` on a live server, as an agent and as staff, and must find no
server error and no answer the schema does not describe (status, body, headers, content type)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from accounts.services import api_token_create
from tests.offices import build_offices

CONFIG = Path(__file__).with_name("schemathesis.toml")
# Cases per operation: enough to reach every documented answer, few enough for CI (about a minute a run).
EXAMPLES = 8


def schemathesis(live_server, token: str, tmp_path: Path, phases: str) -> subprocess.CompletedProcess:
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    command = [
        executable,
        "--config-file",
        str(CONFIG),
        "run",
        f"{live_server.url}/api/schema/",
        "--checks",
        "all",
        "--header",
        f"Authorization: Token {token}",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20241",
        "--workers",
        "1",
        "--phases",
        phases,
        # The test server may drop a connection under load: sent again, never hiding an answer.
        "--request-retries",
        "2",
        "--generation-database",
        "none",
        "--no-color",
        "--report-dir",
        str(tmp_path),
    ]
    # Run from the test's own folder: schemathesis keeps its state in the working directory.
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path)  # noqa: S603


@pytest.mark.django_db(transaction=True)
# The coverage phase (every boundary of every parameter, a few minutes) runs once, as staff, who
# reach every operation; the agent's run fuzzes what an agent may do.
@pytest.mark.parametrize(("who", "phases"), [("agent", "fuzzing"), ("staff", "coverage,fuzzing")])
def test_the_api_answers_only_what_its_schema_says(live_server, tmp_path, who, phases):
    offices = build_offices()
    user = offices.tay_ninh.agent.user if who == "agent" else offices.tay_ninh.staff
    _token, secret = api_token_create(user=user, device="schemathesis")

    run = schemathesis(live_server, secret, tmp_path, phases)

    (tmp_path / "output.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-20000:] + run.stderr[-5000:]
