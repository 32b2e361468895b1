"""`samspill solve` as its own process: it ends without tearing the interpreter down (os._exit), so
everything it writes must be complete and flushed before, to a file and to a pipe alike."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import msgspec

from tests.conftest import service_command
from tests.service.factories import small_scenario

ROOT = Path(__file__).resolve().parents[2]


def _samspill(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([*service_command(), *args], cwd=ROOT, capture_output=True,
                          timeout=120, check=False)


def test_solve_process_writes_the_whole_plan_to_a_file_and_to_a_pipe(tmp_path: Path) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_bytes(msgspec.json.encode(small_scenario()))
    out = tmp_path / "plan.json"
    done = _samspill("solve", str(scenario), "-o", str(out))
    assert done.returncode == 0, done.stderr
    plan = json.loads(out.read_bytes())
    assert plan["format"] == "samspill.plan/1" and plan["matches"]
    assert b"samspill: optimal" in done.stderr  # the summary on standard error is flushed too
    piped = _samspill("solve", str(scenario), "--pretty", "-q")
    assert piped.returncode == 0 and piped.stderr == b""
    again = json.loads(piped.stdout)
    assert piped.stdout.endswith(b"}\n") and again["matches"] == plan["matches"]


def test_solve_process_exit_code_on_a_bad_file_is_kept(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "samspill.scenario/1"', encoding="utf-8")
    done = _samspill("solve", str(bad))
    assert done.returncode == 2 and b"is not a valid samspill.scenario/1 file" in done.stderr


def test_solve_process_imports_only_what_the_run_needs(tmp_path: Path) -> None:
    """Issue 9: `samspill solve` on a small file imports only what the run needs: not the web framework,
    the database layer, asyncio (the other commands' `common.run`), CP-SAT (the auto engine's runs are
    HiGHS's) or highspy (the large regions' LPs). What it loads is read in the process itself, after the
    command ran (main without os._exit: argv given)."""
    scenario = tmp_path / "s.json"
    scenario.write_bytes(msgspec.json.encode(small_scenario()))
    out = tmp_path / "plan.json"
    code = ("import sys\nfrom service.cli import main\n"
            f"assert main(['solve', {str(scenario)!r}, '-o', {str(out)!r}, '-q']) == 0\n"
            "print(' '.join(sorted(m for m in ('asyncio', 'litestar', 'sqlalchemy', 'ortools.sat.python.cp_model',"
            " 'highspy', 'jinja2') if m in sys.modules)))\n")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_bytes())["matches"]
    assert done.stdout.decode().split() == []
