"""The matcher's command line, through `service.cli.main`, with files in tmp_path."""

from __future__ import annotations

import copy
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
from builders import need, scenario, slot, volunteer

from service.cli import main


def doc() -> dict[str, Any]:
    """A small valid scenario as plain JSON data: two volunteers, two needs."""
    sc = scenario(
        [volunteer("v1", activities=["besoksvenn"]), volunteer("v2", activities=["turvenn"])],
        [need("n1"), need("n2", activity="turvenn", weekly=[slot(2, "10:00", "12:00")])],
    )
    return json.loads(msgspec.json.encode(sc))


def write(path: Path, data: Any) -> str:
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=1), encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def check_bad(tmp_path: Path, capsys: pytest.CaptureFixture[str], data: Any) -> str:
    """`scenario check` on a bad file: exit 2, a message on stderr, no traceback."""
    path = write(tmp_path / "bad.json", data)
    code, out, err = run(capsys, "scenario", "check", path)
    assert code == 2
    assert "Traceback" not in err and "Traceback" not in out
    assert "bad.json" in err
    return err


# ---------------------------------------------------------------- scenario check


def test_scenario_check_valid_exit_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "scenario", "check", write(tmp_path / "s.json", doc()))
    assert code == 0
    assert out.startswith("ok")
    assert "2 volunteers" in out and "2 needs" in out


def test_scenario_check_not_json_names_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = '{\n  "format": "samspill.scenario/1",\n  "horizon": {"start": "2026-01-05",, "end": "2026-01-18"}\n}\n'
    err = check_bad(tmp_path, capsys, text)
    assert "line 3" in err
    assert "column" in err


def test_scenario_check_truncated_json_names_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = json.dumps(doc(), indent=1)
    err = check_bad(tmp_path, capsys, text[: len(text) // 2])
    assert "line " in err and "column" in err


def test_scenario_check_wrong_type_names_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = doc()
    d["needs"][0]["headcount"] = "two"
    err = check_bad(tmp_path, capsys, d)
    assert "needs[0].headcount" in err
    assert "int" in err


def test_scenario_check_weekday_9_names_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = doc()
    d["needs"][1]["weekly"][0]["weekday"] = 9
    err = check_bad(tmp_path, capsys, d)
    assert "needs[1].weekly[0].weekday" in err
    assert "7" in err


def test_scenario_check_duplicate_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = doc()
    d["volunteers"][1]["id"] = "v1"
    err = check_bad(tmp_path, capsys, d)
    assert "volunteers[1].id" in err
    assert "duplicate" in err and "'v1'" in err


def test_scenario_check_unknown_activity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = doc()
    d["needs"][0]["activity"] = "x"
    err = check_bad(tmp_path, capsys, d)
    assert "needs[0].activity: 'x' is not in the activity catalogue" in err


def test_scenario_check_unknown_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = doc()
    d["volunteers"][0]["shoe_size"] = 42
    err = check_bad(tmp_path, capsys, d)
    assert "volunteers[0]" in err
    assert "shoe_size" in err


def test_scenario_check_reports_every_reference_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    d = doc()
    d["needs"][0]["activity"] = "x"
    d["needs"][1]["site"] = "nowhere"
    d["pinned"] = [{"volunteer": "ghost", "need": "n1"}]
    err = check_bad(tmp_path, capsys, d)
    assert "needs[0].activity" in err
    assert "needs[1].site" in err
    assert "pinned[0].volunteer" in err


def test_scenario_check_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "scenario", "check", str(tmp_path / "missing.json"))
    assert code == 2
    assert "missing.json" in err and "Traceback" not in err


# ---------------------------------------------------------------- solve and plan check


def test_solve_writes_plan_that_plan_check_accepts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = write(tmp_path / "s.json", doc())
    p = tmp_path / "plan.json"
    code, _, _ = run(capsys, "solve", s, "-o", str(p), "--quiet", "--time-limit", "5")
    assert code == 0
    plan = json.loads(p.read_text())
    assert plan["format"] == "samspill.plan/1"
    assert {(m["volunteer"], m["need"]) for m in plan["matches"]} == {("v1", "n1"), ("v2", "n2")}
    code, out, _err = run(capsys, "plan", "check", s, str(p))
    assert code == 0
    assert out.startswith("ok")


def test_solve_to_stdout_is_plan_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "solve", write(tmp_path / "s.json", doc()), "--quiet")
    assert code == 0
    assert json.loads(out)["coverage"]["filled"] == 2


def test_plan_check_tampered_plan_exit_1_names_e1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = doc()
    d["needs"][1]["headcount"] = 2
    s = write(tmp_path / "s.json", d)
    p = tmp_path / "plan.json"
    assert run(capsys, "solve", s, "-o", str(p), "--quiet")[0] == 0
    plan = json.loads(p.read_text())
    extra = copy.deepcopy(next(m for m in plan["matches"] if m["need"] == "n1"))
    extra["need"] = "n2"  # v1 does not do turvenn: breaks E1
    extra["priority"] = 3
    plan["matches"].append(extra)
    write(p, plan)
    code, out, err = run(capsys, "plan", "check", s, str(p))
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith("E1")]
    assert lines and "v1" in lines[0]
    assert "Traceback" not in err


def test_plan_check_not_a_plan_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    s = write(tmp_path / "s.json", doc())
    code, _, err = run(capsys, "plan", "check", s, write(tmp_path / "plan.json", {"matches": "none"}))
    assert code == 2
    assert "matches" in err and "Traceback" not in err


def test_solve_bad_scenario_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = doc()
    d["needs"][0]["activity"] = "x"
    code, out, err = run(capsys, "solve", write(tmp_path / "s.json", d), "--quiet")
    assert code == 2
    assert "needs[0].activity" in err
    assert out == ""


# ---------------------------------------------------------------- schema and generate


def test_scenario_schema_prints_json_with_defs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "scenario", "schema")
    assert code == 0
    schema = json.loads(out)
    assert "$defs" in schema
    assert "Scenario" in schema["$defs"]
    assert "Volunteer" in schema["$defs"] and "Need" in schema["$defs"]


def test_scenario_generate_output_passes_scenario_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_path = tmp_path / "gen.json"
    code, _, _ = run(
        capsys,
        "scenario",
        "generate",
        "--volunteers",
        "30",
        "--needs",
        "10",
        "--seed",
        "3",
        "-o",
        str(out_path),
    )
    assert code == 0
    code, out, _ = run(capsys, "scenario", "check", str(out_path))
    assert code == 0
    assert "30 volunteers, 10 needs" in out


def test_scenario_generate_to_stdout_same_seed_same_output(capsys: pytest.CaptureFixture[str]) -> None:
    a = run(capsys, "scenario", "generate", "--volunteers", "5", "--needs", "3", "--seed", "7")[1]
    b = run(capsys, "scenario", "generate", "--volunteers", "5", "--needs", "3", "--seed", "7")[1]
    assert a == b
    assert json.loads(a)["format"] == "samspill.scenario/1"


def test_solve_long_run_prints_progress_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A solve that runs past the progress threshold says what it is doing, on stderr."""
    from matcher.generate import generate

    path = write(tmp_path / "s.json", json.loads(msgspec.json.encode(generate(200, 60, seed=4))))
    code, out, err = run(capsys, "solve", path, "-o", str(tmp_path / "p.json"), "--progress-after", "0")
    assert code == 0 and out == ""
    lines = err.splitlines()
    assert any("eligibility:" in ln and "candidate pairs" in ln for ln in lines), err
    assert any(ln.startswith("[") and "solved: priority" in ln for ln in lines), err
    assert lines[-1].startswith("samspill: ")  # the summary closes it


def test_solve_quiet_prints_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "solve", write(tmp_path / "s.json", doc()), "-o", str(tmp_path / "p.json"), "-q",
                         "--progress-after", "0")
    assert code == 0 and out == "" and err == ""


# ---------------------------------------------------------------- committed placements


def test_schemas_describe_committed_and_at_risk(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "scenario", "schema")
    scenario_schema = json.loads(out)
    assert scenario_schema["$defs"]["Scenario"]["properties"]["committed"]["items"] == {"$ref": "#/$defs/Pair"}
    _, out, _ = run(capsys, "scenario", "schema", "--plan")
    plan_schema = json.loads(out)["$defs"]
    assert plan_schema["Plan"]["properties"]["at_risk"]["items"] == {"$ref": "#/$defs/AtRisk"}
    assert set(plan_schema["AtRisk"]["required"]) == {"volunteer", "need", "rule", "code", "message"}
    assert "committed" in plan_schema["Match"]["properties"]


def test_solve_and_plan_check_name_the_committed_placements_at_risk(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = doc()
    data["needs"][0]["police_certificate"] = True  # v1's placement in force now needs a certificate
    data["committed"] = [{"volunteer": "v1", "need": "n1"}]
    path = write(tmp_path / "s.json", data)
    code, _, err = run(capsys, "solve", path, "-o", str(tmp_path / "p.json"))
    assert code == 0
    assert "1 of 1 committed placements at risk" in err
    plan = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert [(r["rule"], r["code"]) for r in plan["at_risk"]] == [("E5", "police-certificate")]
    assert [m["committed"] for m in plan["matches"] if m["volunteer"] == "v1"] == [True]
    code, out, _ = run(capsys, "plan", "check", path, str(tmp_path / "p.json"))
    assert code == 0
    assert "the 1 committed placement(s) at risk are listed as such" in out
    plan["at_risk"] = []
    code, out, _ = run(capsys, "plan", "check", path, write(tmp_path / "q.json", plan))
    assert code == 1
    assert out.startswith("AT_RISK: committed pair volunteer v1 and need n1 breaks E5")


def test_scenario_generate_with_committed_share(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_path = tmp_path / "g.json"
    code, _, _ = run(capsys, "scenario", "generate", "--volunteers", "120", "--needs", "40", "--committed", "0.4",
                     "-o", str(out_path))
    assert code == 0
    data = json.loads(out_path.read_text(encoding="utf-8"))
    places = sum(n.get("headcount", 1) for n in data["needs"])
    assert 0.2 * places <= len(data["committed"]) <= 0.4 * places
    code, out, _ = run(capsys, "scenario", "check", str(out_path))
    assert code == 0
    assert f", {len(data['committed'])} placements in force" in out
    code, _, err = run(capsys, "scenario", "generate", "--volunteers", "10", "--needs", "5", "--committed", "2")
    assert code == 2 and "--committed" in err


# ---------------------------------------------------------------- solve --engine


def _binding() -> dict[str, Any]:
    """One volunteer who may take two needs, three overlapping needs: the flow relaxation
    breaks C3, so an exact engine must run."""
    sc = scenario(
        [volunteer("v1", max_assignments=2)],
        [need("a", priority=5), need("b", priority=4, weekly=[slot(1, "11:00", "13:00")]),
         need("c", priority=1, weekly=[slot(2, "10:00", "12:00")])],
    )  # fmt: skip
    return json.loads(msgspec.json.encode(sc))


@pytest.mark.parametrize("engine", ["mip", "cpsat", "auto"])
def test_solve_engine_runs_and_says_which(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: str
) -> None:
    out_path = tmp_path / "plan.json"
    code, _out, _err = run(capsys, "solve", write(tmp_path / "s.json", _binding()), "--engine", engine,
                           "-o", str(out_path), "-q")  # fmt: skip
    assert code == 0
    plan = json.loads(out_path.read_text())
    assert plan["status"] == "optimal"
    assert plan["coverage"]["priority_filled"] == 6  # a (5) and c (1); b overlaps a
    assert plan["stats"]["method"] == ("flow+cpsat" if engine == "cpsat" else "flow+mip")


def test_solve_unknown_engine_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        run(capsys, "solve", write(tmp_path / "s.json", _binding()), "--engine", "gurobi")
    assert exc.value.code == 2
    assert "--engine" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_solve_prove_fit_must_be_seconds(tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str) -> None:
    code, out, err = run(capsys, "solve", write(tmp_path / "s.json", _binding()), "--prove-fit", value, "-q")
    assert code == 2 and out == ""
    assert "--prove-fit" in err and "Traceback" not in err


@pytest.mark.parametrize(("flag", "value", "says"), [
    ("--time-limit", "0", "--time-limit is a number of seconds above 0"),
    ("--time-limit", "-5", "--time-limit is a number of seconds above 0"),
    ("--time-limit", "nan", "--time-limit is a number of seconds above 0"),  # passed `<= 0`, then a traceback
    ("--time-limit", "inf", "--time-limit is a number of seconds above 0"),
    ("--workers", "0", "--workers must be at least 1"),
])
def test_solve_time_limit_and_workers_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, value: str, says: str
) -> None:
    code, out, err = run(capsys, "solve", write(tmp_path / "s.json", _binding()), flag, value, "-q")
    assert code == 2 and out == ""
    assert err == f"samspill: {says}\n"


def test_solve_prove_fit_gives_the_same_proven_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plans = []
    for extra in ([], ["--prove-fit", "5"]):
        out_path = tmp_path / f"plan{len(plans)}.json"
        code, _out, _err = run(capsys, "solve", write(tmp_path / "s.json", _binding()), "--engine", "mip",
                               "-o", str(out_path), "-q", *extra)  # fmt: skip
        assert code == 0
        plans.append(json.loads(out_path.read_text()))
    assert plans[1]["status"] == "optimal"
    assert plans[0]["matches"] == plans[1]["matches"]


def test_solve_gives_the_collector_its_objects_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`samspill solve` freezes the register's objects for the solve (the collector's full passes skip
    them); an in-process caller finds nothing left frozen afterwards, and a caller's own freeze stays."""
    import gc

    import matcher.solve as msolve

    prior = gc.get_freeze_count()  # the service's warm-up freezes once per process: a test before may have
    gc.unfreeze()
    seen: list[int] = []
    real = msolve.solve

    def spy(*a: Any, **k: Any) -> Any:
        seen.append(gc.get_freeze_count())
        return real(*a, **k)

    monkeypatch.setattr(msolve, "solve", spy)
    try:
        code, _out, _err = run(capsys, "solve", write(tmp_path / "s.json", _binding()), "-q")
        assert code == 0
        assert seen and seen[0] > 0  # frozen while it solved
        assert gc.get_freeze_count() == 0
        gc.freeze()
        before = gc.get_freeze_count()
        code, _out, _err = run(capsys, "solve", write(tmp_path / "s.json", _binding()), "-q")
        assert code == 0 and gc.get_freeze_count() >= before
    finally:
        gc.unfreeze()
        if prior:
            gc.freeze()


@pytest.mark.parametrize("quiet", [False, True])
def test_what_a_solver_writes_to_standard_output_never_reaches_the_plan(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, quiet: bool
) -> None:
    """HiGHS writes lines of its own to the C-level standard output mid-solve (20 000 x 5 000 seed 7: eight
    before the plan). `samspill solve` writing its plan there keeps them out of it: a write to file
    descriptor 1 during the solve (as a C library makes it) goes to standard error, or nowhere with -q, and
    standard output holds the plan alone."""
    import os

    import matcher.solve as msolve

    real = msolve.solve

    def noisy(*a: Any, **k: Any) -> Any:
        os.write(1, b"HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();\n")
        print("a Python print mid-solve")
        return real(*a, **k)

    monkeypatch.setattr(msolve, "solve", noisy)
    code = main(["solve", write(tmp_path / "s.json", _binding())] + (["-q"] if quiet else []))
    out, err = capfd.readouterr()
    assert code == 0
    plan = json.loads(out)  # nothing but the plan
    assert plan["matches"]
    assert ("tmpSolver.run();" in err) is not quiet and ("a Python print mid-solve" in err) is not quiet


def test_a_feasible_summary_says_which_level_the_gap_is_of() -> None:
    """`gap` is the coverage's while it is below its bound, else the fit's: the summary says which, so a
    plan proven on coverage with a loose fit bound does not read as a plan a quarter off."""
    from matcher.schema import Coverage, Plan
    from service.cli.matcher import _gap_words

    plan = Plan(gap=0.2598)
    proven = Coverage(places=10, filled=8, priority_filled=30, priority_bound=30)
    assert _gap_words(plan, proven) == "coverage proven; fit within 25.98% of its bound"
    short = Coverage(places=10, filled=8, priority_filled=29, priority_bound=30)
    plan.gap = 1 / 30
    assert _gap_words(plan, short) == "coverage within 3.33% of its bound"
    plan.gap = 1 / 21514  # one point short at 20 000 x 5 000: not "within 0.00%"
    assert _gap_words(plan, short) == "coverage within 0.0046% of its bound"


def test_an_unproven_fit_the_patterns_could_prove_says_how() -> None:
    """A plan `feasible` only by the fit LP's gap on the priced path (below 150 000 pairs) tells the user of
    `--prove-fit`; nothing where the coverage is short, the fit proven, or no fit LP was made (above 150 000
    pairs); and where the seconds given did not close it, that more may."""
    from matcher.schema import Coverage, Plan
    from service.cli.matcher import _prove_fit_hint

    proven = Coverage(places=10, filled=8, priority_filled=30, priority_bound=30)
    plan = Plan(status="feasible", gap=0.0059, stats={"mip_path": "pricing"})
    hint = _prove_fit_hint(plan, proven, 0.0)
    assert hint is not None and "--prove-fit 30" in hint
    assert _prove_fit_hint(plan, Coverage(places=10, filled=8, priority_filled=29, priority_bound=30), 0.0) is None
    assert _prove_fit_hint(Plan(status="optimal", gap=0.0009, stats={"mip_path": "pricing"}), proven, 0.0) is None
    assert _prove_fit_hint(Plan(status="feasible", gap=0.25, stats={"mip_path": "decomposition"}), proven, 0.0) is None
    tried = Plan(status="feasible", gap=0.0012, stats={"mip_path": "pricing", "pattern_rounds": [31, 8]})
    assert _prove_fit_hint(tried, proven, 5.0) == "`--prove-fit 5` did not close the fit's gap in its seconds; more may"
    assert _prove_fit_hint(plan, proven, 5.0) is None  # given seconds, no patterns made (rows not split)


_ARENAS_PROBE = """
import ctypes, sys, threading
from service.cli.common import fewer_malloc_arenas
if sys.argv[1] == "capped":
    assert fewer_malloc_arenas()
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
meet = threading.Barrier(5)
held = []
def work():
    held.append(libc.malloc(1 << 20))  # each thread's first allocation: an arena of its own, up to the cap
    meet.wait()
threads = [threading.Thread(target=work) for _ in range(4)]
for t in threads:
    t.start()
meet.wait()
libc.malloc_stats()  # to standard error: a line "Arena N:" per arena
for t in threads:
    t.join()
"""


def _arenas(*args: str, cap: str | None = None) -> int:
    """How many malloc arenas `python -c args…` reports (malloc_stats), run with `MALLOC_ARENA_MAX` = `cap`
    (None: unset, whatever the test process has)."""
    env = {k: v for k, v in os.environ.items() if k != "MALLOC_ARENA_MAX"}
    if cap is not None:
        env["MALLOC_ARENA_MAX"] = cap
    run = subprocess.run([sys.executable, "-c", *args], capture_output=True, text=True, check=True, env=env)
    return sum(line.startswith("Arena ") for line in run.stderr.splitlines())


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's (mallopt, malloc_stats)")
def test_solve_caps_the_malloc_arenas_its_threads_would_grow() -> None:
    """`samspill solve` caps glibc's arenas at two before the solve's threads start (`fewer_malloc_arenas`):
    four threads allocating at once make five arenas without it, two with it."""
    assert _arenas(_ARENAS_PROBE, "default") > 2
    assert _arenas(_ARENAS_PROBE, "capped") == 2


_ARENAS_PARENT = """
import os, subprocess, sys
from service.cli.common import fewer_malloc_arenas
assert fewer_malloc_arenas(children=sys.argv[1] == "children")
run = subprocess.run([sys.executable, "-c", sys.argv[2], "default"], capture_output=True, text=True, check=True)
sys.stderr.write(run.stderr)
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's (mallopt, malloc_stats)")
def test_the_servers_cap_reaches_the_processes_it_starts() -> None:
    """With `children` (`samspill serve`, whose `--workers` are processes of their own) a process started after
    the cap is capped too, by the environment; without it (`samspill solve`) the caller's environment is left as
    it was."""
    assert _arenas(_ARENAS_PARENT, "children", _ARENAS_PROBE) == 2
    assert _arenas(_ARENAS_PARENT, "self", _ARENAS_PROBE) > 2


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's (mallopt, malloc_stats)")
def test_an_operators_own_arena_setting_is_kept() -> None:
    """A `MALLOC_ARENA_MAX` in the environment (glibc read it at start) is the operator's: no cap over it."""
    probe = "from service.cli.common import fewer_malloc_arenas\nassert not fewer_malloc_arenas(children=True)\n"
    assert _arenas(probe + _ARENAS_PROBE, "default", cap="3") == 3


def test_solve_caps_the_arenas_before_solving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import matcher.solve
    from service.cli import matcher as cli_matcher

    calls: list[str] = []
    real_solve = matcher.solve.solve

    def arenas() -> bool:
        calls.append("arenas")
        return True

    def solve(*args: Any, **kwargs: Any) -> Any:
        calls.append("solve")
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(cli_matcher, "fewer_malloc_arenas", arenas)
    monkeypatch.setattr(matcher.solve, "solve", solve)
    code, _, _ = run(capsys, "solve", write(tmp_path / "s.json", doc()), "-o", str(tmp_path / "p.json"), "--quiet")
    assert code == 0
    assert calls == ["arenas", "solve"]
