"""Stress the MIP engine's large-register paths against one branch and bound over every pair.

Not a benchmark and not a test (too slow for the suite): for broad `matcher.generate` registers of a
few sizes and many seeds, the coverage core path (branched and priced) and `mip.solve_large` are
forced on registers small enough for one proven branch and bound, and each plan is checked: the same
coverage, proven, fit bounds that hold both ways, and `matcher.validate.check_plan` clean. Prints one
line per mismatch and a summary; exits 1 on any mismatch.

    .venv/bin/python bench/stress_paths.py --seeds 0 20
    .venv/bin/python bench/stress_paths.py --seeds 0 10 --paths large
    .venv/bin/python bench/stress_paths.py --seeds 0 10 --paths patterns
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from matcher.generate import generate
from matcher.scenario import decode_scenario
from matcher.schema import Plan, Scenario
from matcher.solve import SolveOptions, solve
from matcher.validate import check_plan

SMALL = ((200, 60), (300, 90), (500, 140))
PATHS = {
    "core-branched": (SolveOptions(engine="mip", direct_max_pairs=0), SMALL),
    "core-priced": (SolveOptions(engine="mip", direct_max_pairs=0, core_direct_max_pairs=0), SMALL),
    # the priced core's last branch and bound handed to the decomposition wherever it is reached
    "core-handed-over": (SolveOptions(engine="mip", direct_max_pairs=0, core_direct_max_pairs=0, core_handoff_pairs=0),
                         SMALL),
    "large": (SolveOptions(engine="mip", mip_exact_max_pairs=0), ((300, 90), (600, 150))),
    # the fit level's bound by volunteer patterns (`--prove-fit`), on `bench/register.py --everyone`
    # registers, where the fit LP leaves a gap for them to close
    "patterns": (SolveOptions(engine="mip", direct_max_pairs=0, core_direct_max_pairs=0, fit_patterns_time=10.0),
                 ((150, 40), (250, 60), (400, 100), (700, 180))),
}
EVERYONE = {"patterns"}  # paths run on bench/register.py's everyone-available registers


def _register(size: tuple[int, int], seed: int, everyone: bool) -> Scenario:
    if not everyone:
        return generate(*size, seed, broad=True)
    from register import generate as bench_register  # bench/register.py, beside this file

    return decode_scenario(json.dumps(bench_register(*size, seed, everyone=True)))


def _problems(exact: Plan, got: Plan) -> list[str]:
    assert exact.coverage is not None and got.coverage is not None
    assert exact.objective is not None and got.objective is not None
    out = []
    if exact.coverage.priority_bound != exact.coverage.priority_filled:
        out.append("the exact engine did not prove its coverage")
    if got.coverage.priority_filled != exact.coverage.priority_filled:
        out.append(f"coverage {got.coverage.priority_filled} != {exact.coverage.priority_filled}")
    if got.coverage.priority_bound != got.coverage.priority_filled:
        out.append(f"coverage not proven ({got.coverage.priority_filled} of {got.coverage.priority_bound})")
    if exact.objective.fit > got.objective.fit_bound:
        out.append(f"fit bound {got.objective.fit_bound} below the optimum's fit {exact.objective.fit}")
    if got.objective.fit > exact.objective.fit_bound:
        out.append(f"fit {got.objective.fit} above the exact fit bound {exact.objective.fit_bound}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs=2, default=(0, 10), metavar=("FIRST", "STOP"))
    ap.add_argument("--paths", default=",".join(PATHS), help="comma-separated: " + ", ".join(PATHS))
    args = ap.parse_args()
    paths = [p.strip() for p in args.paths.split(",") if p.strip()]
    unknown = [p for p in paths if p not in PATHS]
    if unknown:
        ap.error(f"--paths: unknown {', '.join(unknown)} (known: {', '.join(PATHS)})")
    runs = bad = patterned = 0
    t0 = time.perf_counter()
    for seed in range(*args.seeds):
        exact_of: dict[tuple[int, int, bool], tuple[Scenario, Plan]] = {}
        for name in paths:
            opts, sizes = PATHS[name]
            for size in sizes:
                key = (*size, name in EVERYONE)
                if key not in exact_of:
                    sc = _register(size, seed, name in EVERYONE)
                    exact_of[key] = sc, solve(sc, SolveOptions(engine="mip"))
                sc, exact = exact_of[key]
                got = solve(sc, opts)
                problems = _problems(exact, got) + [str(v) for v in check_plan(sc, got)]
                runs += 1
                patterned += "pattern_rounds" in got.stats
                if problems:
                    bad += 1
                    print(f"MISMATCH seed {seed} {size[0]}x{size[1]} {name}: {'; '.join(problems)}", flush=True)
        print(f"seed {seed}: {runs} runs, {bad} mismatches, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    print(f"{runs} runs, {bad} mismatches ({patterned} made a pattern bound)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
