"""Capture `mip.solve_large`'s HiGHS models on one register, then replay them with other HiGHS options.

Why: the end-to-end time of a 20 000 x 5 000 solve swings by seconds from run to run on a shared
machine (the same deterministic coverage LP took 5.2-8.8 s within one session), and an option that
changes one model changes every model after it, so an end-to-end A/B needs many runs of several
registers. HiGHS runs these models single-threaded: a captured model replayed repeats within
0.1-0.3 s, so an option's effect on each step can be read off a few replays. Confirm a candidate end to
end afterwards (alternating old and new code), since it changes what the later steps are given.

    .venv/bin/python bench/register.py 20000 5000 --seed 1 > /tmp/r1.json
    .venv/bin/python bench/replay_large.py capture /tmp/r1.json /tmp/r1.models
    .venv/bin/python bench/replay_large.py replay /tmp/r1.models --kinds hard,fill \\
        --options '{"mip_heuristic_run_root_reduced_cost": false}' --repeat 2

`capture` runs the solve (`--force-large` puts a register under 150 000 pairs on that path too) and
keeps each model HiGHS is given through MathOpt, labelled: `lp` (the coverage LP's rounds), `hard` (the
hard needs' proof), `fill` (the fills, which stop at a target), `fitlp` and `fit` (the fit polish's LP
rounds and its branch and bound). `_interior`'s LPs
(through highspy) are not captured. The file holds numpy arrays (pickle: read only files you made;
about 160 MB at 20 000 x 5 000). `replay` solves each chosen model with its own options and with the
extra ones added, alternating, and prints the seconds (median of --repeat) and what each ended with.
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from matcher import mip


def _kind(integer: bool, kw: dict[str, Any]) -> str:
    if not integer:
        return "lp" if kw.get("options") is mip.LARGE_LP_OPTIONS else "fitlp"
    if kw.get("options") is mip.HARD_OPTIONS:
        return "hard"
    if kw.get("target") is not None:
        return "fill"
    return "fit"


def capture(scenario: Path, out: Path, force_large: bool) -> int:
    from matcher.scenario import load_scenario
    from matcher.solve import SolveOptions, solve

    models: list[dict[str, Any]] = []
    original = mip._Highs.solve

    def keep(self: mip._Highs, rows: mip.Rows, cost: Any, cols: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        got = original(self, rows, cost, cols, **kw)
        seconds = time.perf_counter() - t
        kind = _kind(bool(kw.get("integer")), kw)
        models.append({"kind": kind, "rows": rows, "cost": cost, "cols": cols, "kw": kw, "seconds": seconds})
        print(f"  {len(models) - 1:2d} {kind:5s} {len(cols):7d} columns  {seconds:6.2f} s", file=sys.stderr)
        return got

    mip._Highs.solve = keep  # type: ignore[method-assign]
    try:
        opts = SolveOptions(mip_exact_max_pairs=0) if force_large else SolveOptions()
        plan = solve(load_scenario(str(scenario)), opts)
    finally:
        mip._Highs.solve = original  # type: ignore[method-assign]
    if not plan.stats.get("large"):
        print("replay_large: the solve did not take mip.solve_large (a smaller register? --force-large)",
              file=sys.stderr)  # fmt: skip
        return 1
    with out.open("wb") as f:
        pickle.dump(models, f, protocol=pickle.HIGHEST_PROTOCOL)
    print(f"{len(models)} models to {out}; the solve: {plan.status}, {plan.timings.total:.2f} s")
    return 0


def _run(model: dict[str, Any], extra: dict[str, Any], limit: float) -> tuple[float, str]:
    kw = dict(model["kw"])
    kw["options"] = {**(kw.get("options") or {}), **extra}
    kw["time_limit"] = limit
    t = time.perf_counter()
    res, xs, _units, _y = mip._Highs().solve(model["rows"], model["cost"], model["cols"], **kw)
    seconds = time.perf_counter() - t
    value = float(model["cost"][model["cols"]] @ xs) if len(res.solutions) else float("nan")
    bound = res.termination.objective_bounds.dual_bound
    return seconds, f"termination {res.termination.reason}, value {value:.2f}, bound {bound:.2f}"


def replay(path: Path, kinds: set[str], extra: dict[str, Any], repeat: int, limit: float) -> int:
    with path.open("rb") as f:
        models: list[dict[str, Any]] = pickle.load(f)  # a file this script wrote (see the docstring)
    print(f"{path}: {len(models)} models; extra options {json.dumps(extra)}; medians of {repeat}")
    for i, model in enumerate(models):
        if model["kind"] not in kinds:
            continue
        base: list[float] = []
        more: list[float] = []
        for _ in range(repeat):
            s0, end0 = _run(model, {}, limit)
            s1, end1 = _run(model, extra, limit)
            base.append(s0)
            more.append(s1)
        print(f"  {i:2d} {model['kind']:5s} {len(model['cols']):7d} columns: {statistics.median(base):6.2f} s"
              f" ({end0}) -> {statistics.median(more):6.2f} s ({end1})")  # fmt: skip
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture", help="solve a register and keep solve_large's HiGHS models")
    c.add_argument("scenario", type=Path)
    c.add_argument("out", type=Path)
    c.add_argument("--force-large", action="store_true", help="solve_large below 150 000 pairs too")
    r = sub.add_parser("replay", help="solve the kept models with and without extra HiGHS options")
    r.add_argument("models", type=Path)
    r.add_argument("--kinds", default="lp,hard,fill,fitlp,fit", help="comma-separated: lp, hard, fill, fitlp, fit")
    r.add_argument("--options", default="{}", help="a JSON object of HiGHS options by name")
    r.add_argument("--repeat", type=int, default=1)
    r.add_argument("--time-limit", type=float, default=120.0, help="seconds per solve (default 120)")
    args = ap.parse_args(argv)
    if args.cmd == "capture":
        return capture(args.scenario, args.out, args.force_large)
    try:
        extra = json.loads(args.options)
    except json.JSONDecodeError as exc:
        ap.error(f"--options: not JSON ({exc})")
    if not isinstance(extra, dict):
        ap.error("--options: a JSON object of HiGHS options by name")
    kinds = set(args.kinds.split(","))
    unknown = kinds - {"lp", "hard", "fill", "fitlp", "fit"}
    if unknown:
        ap.error(f"--kinds: unknown {', '.join(sorted(unknown))} (lp, hard, fill, fitlp, fit)")
    if args.repeat < 1:
        ap.error("--repeat: at least 1")
    return replay(args.models, kinds, extra, args.repeat, args.time_limit)


if __name__ == "__main__":
    sys.exit(main())
