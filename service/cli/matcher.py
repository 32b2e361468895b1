"""The matcher's commands: `solve`, `plan check`, `scenario check|schema|generate`."""

from __future__ import annotations

import argparse
import gc
import math
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext, redirect_stdout
from pathlib import Path
from typing import Any

import msgspec

from matcher.scenario import ScenarioError, describe_decode_error, load_scenario
from matcher.schema import Coverage, Plan, Weights
from service.cli.common import fewer_malloc_arenas

EXIT_INVALID = 2
EXIT_VIOLATIONS = 1


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _report_scenario_error(path: str, exc: ScenarioError, what: str = "a valid samspill.scenario/1 file") -> int:
    _err(f"samspill: {path} is not {what}:")
    for e in exc.errors[:50]:
        _err(f"  {e}")
    if len(exc.errors) > 50:
        _err(f"  … and {len(exc.errors) - 50} more")
    return EXIT_INVALID


def _write(data: bytes, out: str | None) -> None:
    if out is None or out == "-":
        sys.stdout.buffer.write(data + b"\n")
        sys.stdout.flush()
        return
    target = Path(out)
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data + b"\n")
    tmp.replace(target)  # never a half-written plan


@contextmanager
def _standard_output_to_stderr(quiet: bool) -> Iterator[None]:
    """File descriptor 1 pointed at standard error (at /dev/null if `quiet`) while the solvers run: the plan
    may go to standard output, and HiGHS writes lines of its own to the C-level standard output in the
    middle of a branch and bound, past every option that turns its log off (20 000 x 5 000 seed 7: eight
    lines of "HighsMipSolverData::transformNewIntegerFeasibleSolution tmpSolver.run();" before the plan,
    which no JSON reader could then read). Python's own `sys.stdout` goes the same way until it is put back."""
    from matcher.stdio import descriptor_1_to

    target = os.open(os.devnull, os.O_WRONLY) if quiet else os.dup(2)
    try:
        with (descriptor_1_to(target), open(os.devnull, "w") if quiet else nullcontext(sys.stderr) as py_out,
              redirect_stdout(py_out)):  # fmt: skip
            yield
    finally:
        os.close(target)


def _load_weights(path: str | None) -> dict[str, Any] | None:
    """The fields a weights file names, checked against `Weights`; read and parsed once."""
    if path is None:
        return None
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read the file ({exc.strerror})"]) from None
    try:
        named = msgspec.json.decode(data, type=dict[str, Any])
        msgspec.convert(named, Weights)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ScenarioError([f"{path}: {describe_decode_error(exc, data)}"]) from None
    return named


def _merge_weights(base: Weights | None, named: dict[str, Any] | None) -> Weights | None:
    """The weights file overrides only the fields it names; the rest come from the scenario."""
    if named is None:
        return base
    return msgspec.convert({**msgspec.to_builtins(base or Weights()), **named}, Weights)


def cmd_solve(args: argparse.Namespace) -> int:
    from matcher.solve import SolveOptions, solve

    started = time.perf_counter()
    quiet = args.quiet
    if not 0 < args.time_limit < math.inf:  # (nan too: it fails every comparison)
        _err("samspill: --time-limit is a number of seconds above 0")
        return EXIT_INVALID
    if args.workers < 1:
        _err("samspill: --workers must be at least 1")
        return EXIT_INVALID
    if not 0 <= args.prove_fit < math.inf:
        _err("samspill: --prove-fit is a number of seconds, 0 or more")
        return EXIT_INVALID

    def say(msg: str) -> None:
        if not quiet and time.perf_counter() - started > args.progress_after:
            _err(f"[{time.perf_counter() - started:6.1f} s] {msg}")

    try:
        weights = _load_weights(args.weights)
    except ScenarioError as exc:
        return _report_scenario_error(args.weights, exc, "a weights file")
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        return _report_scenario_error(args.scenario, exc)
    t_read = time.perf_counter() - started
    # the register's objects live through the solve, so the cyclic collector's full passes need not walk them
    # again and again (20 000 x 5 000: 0.51 s of collections in the solve, 0.15-0.18 s with them frozen); an
    # in-process caller (the tests) gets them back afterwards, unless something had frozen objects before
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    fewer_malloc_arenas()  # before the solve starts its worker threads
    try:
        with _standard_output_to_stderr(quiet):
            say(f"read {len(scenario.volunteers)} volunteers and {len(scenario.needs)} needs")
            plan = solve(
                scenario,
                SolveOptions(
                    engine=args.engine,
                    time_limit=args.time_limit,
                    workers=args.workers,
                    fit_patterns_time=args.prove_fit,
                    weights=_merge_weights(scenario.weights, weights),
                    progress=say,
                ),
            )
    finally:
        if frozen_before == 0:
            gc.unfreeze()
    plan.timings.read = round(t_read, 4)
    t0 = time.perf_counter()
    data = msgspec.json.encode(plan)
    if args.pretty:
        data = msgspec.json.format(data, indent=2)
    # the write figure is the encoding measured just now; the file itself follows
    plan.timings.write = round(time.perf_counter() - t0, 4)
    plan.timings.total = round(time.perf_counter() - started, 4)
    data = msgspec.json.encode(plan)  # again, now carrying its own write and total figures
    _write(msgspec.json.format(data, indent=2) if args.pretty else data, args.output)
    cov = plan.coverage
    assert cov is not None
    if not quiet:
        _err(
            f"samspill: {plan.status}"
            + (f" ({_gap_words(plan, cov)})" if plan.status != "optimal" else "")
            + f": {cov.filled} of {cov.places} places filled, priority {cov.priority_filled}"
            f" of bound {cov.priority_bound}; {len(plan.unfilled)} needs with open places,"
            f" {len(plan.conflicts)} conflicts"
            + (f", {len({(r.volunteer, r.need) for r in plan.at_risk})} of {len(scenario.committed)} committed"
               " placements at risk" if scenario.committed else "")
            + f"; {plan.timings.total:.2f} s"
        )
        hint = _prove_fit_hint(plan, cov, args.prove_fit)
        if hint:
            _err(f"samspill: {hint}")
    return 0


def _prove_fit_hint(plan: Plan, cov: Coverage, prove_fit: float) -> str | None:
    """Where the fit level is left unproven by a gap the fit LP leaves (coverage proven, the priced path
    below 150 000 pairs, where volunteer patterns can close it), what `--prove-fit` would do; None else."""
    if plan.status == "optimal" or cov.priority_filled < cov.priority_bound:
        return None
    if plan.stats.get("mip_path") != "pricing":  # no fit LP to start from (above 150 000 pairs), or no gap
        return None
    if prove_fit <= 0:
        return ("the fit is not proven; `--prove-fit 30` proves it within 0.1 % by volunteer patterns where"
                " they close the LP's gap (at 90 000 pairs: 1-5 s more)")
    if "pattern_rounds" in plan.stats:
        return f"`--prove-fit {prove_fit:g}` did not close the fit's gap in its seconds; more may"
    return None


def _gap_words(plan: Plan, cov: Coverage) -> str:
    """What `gap` measures, said: the coverage's while it is below its bound, else the fit's (a plan proven on
    coverage whose fit bound is loose — the per-need one above 150 000 pairs — otherwise read as a plan a
    quarter off)."""
    # a gap under 0.01 % in two significant digits: one point short of 21 514 read "within 0.00%"
    pct = f"{plan.gap:.2%}" if plan.gap >= 1e-4 or plan.gap == 0 else f"{plan.gap * 100:.2g}%"
    if cov.priority_filled < cov.priority_bound:
        return f"coverage within {pct} of its bound"
    return f"coverage proven; fit within {pct} of its bound"


def cmd_plan_check(args: argparse.Namespace) -> int:
    from matcher.validate import check_plan

    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        return _report_scenario_error(args.scenario, exc)
    try:
        raw = Path(args.plan).read_bytes()
    except OSError as exc:
        _err(f"samspill: {args.plan}: cannot read the file ({exc.strerror})")
        return EXIT_INVALID
    try:
        plan = msgspec.json.decode(raw, type=Plan)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        _err(f"samspill: {args.plan} is not a valid samspill.plan/1 file:\n  {describe_decode_error(exc, raw)}")
        return EXIT_INVALID
    if plan.weights is not None:  # score the plan with the weights it was made with
        scenario = msgspec.structs.replace(scenario, weights=plan.weights)
    violations = check_plan(scenario, plan)
    if not violations:
        risky = len({(r.volunteer, r.need) for r in plan.at_risk})
        print(f"ok: the plan's {len(plan.matches)} matches break no rule"
              + (f" (the {risky} committed placement(s) at risk are listed as such)" if risky else ""))
        return 0
    for v in violations:
        print(f"{v.rule}: {v.message}")
    _err(f"samspill: {len(violations)} violation(s)")
    return EXIT_VIOLATIONS


def cmd_scenario_check(args: argparse.Namespace) -> int:
    try:
        s = load_scenario(args.scenario)
    except ScenarioError as exc:
        return _report_scenario_error(args.scenario, exc)
    print(
        f"ok: {len(s.volunteers)} volunteers, {len(s.needs)} needs, {len(s.sites)} sites,"
        f" {len(s.activities)} activities, horizon {s.horizon.start} – {s.horizon.end}"
        + (f", {len(s.committed)} placements in force" if s.committed else "")
    )
    return 0


def cmd_scenario_schema(args: argparse.Namespace) -> int:
    from matcher.schema import plan_json_schema, scenario_json_schema

    schema = plan_json_schema() if args.plan else scenario_json_schema()
    print(msgspec.json.format(msgspec.json.encode(schema), indent=2).decode())
    return 0


def cmd_scenario_generate(args: argparse.Namespace) -> int:
    from matcher.generate import generate

    if args.volunteers < 0 or args.needs < 0:
        _err("samspill: --volunteers and --needs must not be negative")
        return EXIT_INVALID
    if not 0 <= args.committed <= 1:
        _err("samspill: --committed is a share between 0 and 1")
        return EXIT_INVALID
    s = generate(args.volunteers, args.needs, seed=args.seed, broad=args.broad, committed=args.committed)
    _write(msgspec.json.format(msgspec.json.encode(s), indent=1), args.output)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("solve", help="propose a plan for a scenario file")
    p.add_argument("scenario", help="a samspill.scenario/1 JSON file")
    p.add_argument("-o", "--output", help="write the samspill.plan/1 JSON here (default: standard output)")
    p.add_argument("--engine", choices=("auto", "mip", "cpsat"), default="auto",
                   help="exact engine where side constraints bind: mip (LP + HiGHS), cpsat, or auto (default)")
    p.add_argument("--time-limit", type=float, default=30.0, metavar="S",
                   help="seconds for the exact engine (default 30)")
    p.add_argument("--workers", type=int, default=2, help="CP-SAT worker threads (default 2)")
    p.add_argument("--prove-fit", type=float, default=0.0, metavar="S",
                   help="seconds more to prove the fit level within 0.1 %% by volunteer patterns where the LP"
                        " leaves a wider gap (large registers with everyone available); above 150 000 pairs,"
                        " where no fit bound is made, a wider search for a better fit instead (default 0: not)")
    p.add_argument("--weights", metavar="FILE", help="a JSON object of fit weights (see docs/matching.md)")
    p.add_argument("--pretty", action="store_true", help="indent the JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress or summary on standard error")
    p.add_argument("--progress-after", type=float, default=1.0, help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_solve, exit_at_once=True)

    plan = sub.add_parser("plan", help="work with plan files")
    plan_sub = plan.add_subparsers(dest="plan_command", metavar="COMMAND", required=True)
    pc = plan_sub.add_parser("check", help="validate a plan against every rule, independently of the solver")
    pc.add_argument("scenario")
    pc.add_argument("plan")
    pc.set_defaults(func=cmd_plan_check)

    sc = sub.add_parser("scenario", help="work with scenario files")
    sc_sub = sc.add_subparsers(dest="scenario_command", metavar="COMMAND", required=True)
    c = sc_sub.add_parser("check", help="validate a scenario file")
    c.add_argument("scenario")
    c.set_defaults(func=cmd_scenario_check)
    s = sc_sub.add_parser("schema", help="print the JSON Schema of samspill.scenario/1")
    s.add_argument("--plan", action="store_true", help="print the schema of samspill.plan/1 instead")
    s.set_defaults(func=cmd_scenario_schema)
    g = sc_sub.add_parser("generate", help="a realistic synthetic municipality")
    g.add_argument("--volunteers", type=int, required=True)
    g.add_argument("--needs", type=int, required=True)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--broad", action="store_true", help="everyone available every day 08–22 (stress case)")
    g.add_argument("--committed", type=float, default=0.0, metavar="SHARE",
                   help="share of places already taken by placements in force, 0-1 (default 0)")
    g.add_argument("-o", "--output")
    g.set_defaults(func=cmd_scenario_generate)
