"""How the solver scales: end-to-end time, peak memory and coverage against baselines.

    .venv/bin/python bench/solve_scale.py                       # every default size
    .venv/bin/python bench/solve_scale.py --sizes 400x150 --skip-mip
    .venv/bin/python bench/solve_scale.py --sizes 6000x1500:broad --repeat 3

For each size and variant: generate the scenario (`matcher.generate`, fixed seed),
write it to a temporary JSON file, then in a fresh child process (so peak memory is
per size) read it, solve it and write the plan; then, in the same child, build the
instance and run the greedy and HiGHS MIP baselines on it (`bench/baselines.py`).
See bench/README.md for the columns.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

DEFAULT_SIZES = ["400x150", "2000x500", "6000x1500", "20000x5000"]
BROAD_MAX = 6000 * 1500  # sizes up to this run in both variants by default

# (size, variant) -> list of (label, check(result) -> (ok, text))
TARGET_E2E_S = {("6000x1500", "broad"): 4.0, ("20000x5000", "realistic"): 30.0, ("20000x5000", "broad"): 30.0}
TARGET_MEM_MB = {("20000x5000", "realistic"): 2048.0, ("20000x5000", "broad"): 2048.0}
TARGET_MIP_SPEEDUP = {("6000x1500", "broad"): 4.0}


# --------------------------------------------------------------------------- child


def _child(args: argparse.Namespace) -> int:
    """Read → solve → write, `repeat` times; then the baselines. One JSON line on stdout."""
    import resource

    import msgspec
    import numpy as np

    from matcher.scenario import decode_scenario

    out: dict[str, object] = {}
    try:
        from matcher import solve as solve_mod

        solve, SolveOptions = solve_mod.solve, solve_mod.SolveOptions
        build = getattr(solve_mod, "build_instance_for", None) or solve_mod.build_instance
    except (ImportError, AttributeError) as exc:
        print("RESULT " + json.dumps({"error": f"solver not available: {exc}"}), flush=True)
        return 0

    def say(msg: str) -> None:
        if args.verbose:
            print(f"    [solver] {msg}", file=sys.stderr, flush=True)

    plan_path = Path(args.child).with_suffix(".plan.json")
    runs: list[dict[str, float]] = []
    plan = None
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        scenario = decode_scenario(Path(args.child).read_bytes())
        t1 = time.perf_counter()
        plan = solve(scenario, SolveOptions(time_limit=args.time_limit, workers=args.workers, progress=say))
        t2 = time.perf_counter()
        plan.timings.read = round(t1 - t0, 4)
        plan_path.write_bytes(msgspec.json.encode(plan))
        t3 = time.perf_counter()
        plan.timings.write = round(t3 - t2, 4)
        plan.timings.total = round(t3 - t0, 4)
        tm = plan.timings
        runs.append(
            {
                "read": t1 - t0,
                "eligibility": tm.eligibility,
                "model": tm.model,
                "solve": tm.solve,
                "explain": tm.explain,
                "write": t3 - t2,
                "total": t3 - t0,
            }
        )
    assert plan is not None and plan.coverage is not None and plan.objective is not None
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    pinned = [m for m in plan.matches if m.pinned]
    out["ours"] = {
        "runs": runs,
        "peak_mb": peak_mb,
        "status": plan.status,
        "gap": plan.gap,
        "places": plan.coverage.places,
        "filled": plan.coverage.filled,
        "priority_filled": plan.coverage.priority_filled,
        "priority_bound": plan.coverage.priority_bound,
        "fit": plan.objective.fit,
        "fit_bound": plan.objective.fit_bound,
        "spread_penalty": plan.objective.spread_penalty,
        "pinned": len(pinned),
        "conflicts": len(plan.conflicts),
        "method": plan.stats.get("method"),
        "stats": {k: v for k, v in plan.stats.items() if isinstance(v, (int, float, str, bool))},
    }
    out["ours"]["validation"] = _validate(scenario, plan, args) if not args.no_validate else None

    # ------------------------------------------------------------ baselines
    import baselines

    conflicts = plan.conflicts
    del plan
    pin_prio = sum(m.priority for m in pinned)
    pin_fit = sum(m.score for m in pinned)
    t0 = time.perf_counter()
    inst = build(scenario)
    t_inst = time.perf_counter() - t0
    _ = inst.cliques  # computed lazily: count it in the instance time, not in the baselines'
    t_inst = time.perf_counter() - t0
    out["pairs"] = len(inst.pair_vol)
    out["instance_s"] = t_inst
    out["cliques"] = len(inst.cliques)

    greedy_times: list[float] = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        chosen, pri, fit = baselines.greedy(inst)
        greedy_times.append(time.perf_counter() - t0)
    out["greedy"] = {
        "times": greedy_times,
        "filled": len(pinned) + len(chosen),
        "priority_filled": pin_prio + pri,
        "fit": pin_fit + fit,
        "violations": baselines.check_solution(inst, chosen),
        "validation": None
        if args.no_validate
        else _validate(scenario, _as_plan(scenario, inst, chosen, pinned, conflicts), args),
    }
    if args.skip_mip:
        out["mip"] = {"skipped": "--skip-mip"}
    elif not baselines.HAVE_HIGHS:
        out["mip"] = {"skipped": "highspy is not installed (pip install -e '.[dev]')"}
    else:
        mip_times: list[float] = []
        res = None
        for _ in range(args.repeat):
            res = _mip_bounded(inst, args.mip_time_limit, args.verbose)
            mip_times.append(res[4])
        assert res is not None
        chosen, pri, fit, status, _secs = res
        out["mip"] = {
            "times": mip_times,
            "status": status,
            "filled": len(pinned) + len(chosen),
            "priority_filled": pin_prio + pri,
            "fit": pin_fit + fit,
            "violations": baselines.check_solution(inst, np.asarray(chosen)),
            "validation": None
            if args.no_validate
            else _validate(scenario, _as_plan(scenario, inst, chosen, pinned, conflicts), args),
        }
    print("RESULT " + json.dumps(out), flush=True)
    return 0


def _mip_bounded(inst, limit: float, verbose: bool):  # type: ignore[no-untyped-def]
    """HiGHS in a forked process, killed when it overruns its own time limit.

    HiGHS was seen to ignore the limit on ~950k pairs (still running after 7 minutes with
    120 s); a killed run reports no solution and the time it was given."""
    import multiprocessing as mp

    import baselines  # type: ignore[import-not-found]
    import numpy as np

    ctx = mp.get_context("fork")
    queue = ctx.Queue()

    def run() -> None:
        chosen, pri, fit, status, secs = baselines.mip_highs(inst, limit, verbose=verbose)
        queue.put((np.asarray(chosen).tolist(), pri, fit, status, secs))

    t0 = time.perf_counter()
    proc = ctx.Process(target=run, daemon=True)
    proc.start()
    grace = limit * 1.2 + 10.0
    try:
        chosen, pri, fit, status, secs = queue.get(timeout=grace)
        proc.join()
        return np.asarray(chosen, dtype=np.int64), pri, fit, status, secs
    except Exception:  # queue.Empty: the time is up
        proc.kill()
        proc.join()
        waited = time.perf_counter() - t0
        return np.zeros(0, dtype=np.int64), 0, 0, f"killed: no result within {waited:.0f} s", waited


def _as_plan(scenario, inst, chosen, pinned, conflicts):  # type: ignore[no-untyped-def]
    """A baseline's choice as a plan (pins and pin conflicts as in our plan), for the validator."""
    from matcher.schema import Match, Plan

    matches = list(pinned)
    for k in chosen.tolist():
        n = scenario.needs[int(inst.pair_need[k])]
        v = scenario.volunteers[int(inst.pair_vol[k])]
        matches.append(Match(volunteer=v.id, need=n.id, score=int(inst.pair_fit[k]), priority=n.priority))
    return Plan(matches=matches, conflicts=list(conflicts))


# Rules about a plan's own bookkeeping, not checked for a baseline's bare list of matches.
_BOOKKEEPING = {"COVERAGE", "UNFILLED", "SCORE", "FORMAT"}


def _validate(scenario, plan, args) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """`matcher.validate.check_plan`: violation counts by rule (bookkeeping rules too for a real plan)."""
    from matcher.validate import check_plan

    t0 = time.perf_counter()
    found = check_plan(scenario, plan)
    if plan.coverage is None:  # a baseline's bare match list
        found = [x for x in found if x.rule not in _BOOKKEEPING]
    by_rule: dict[str, int] = {}
    for x in found:
        by_rule[x.rule] = by_rule.get(x.rule, 0) + 1
    return {"seconds": time.perf_counter() - t0, "by_rule": by_rule, "first": [x.message for x in found[:3]]}


def _valid_text(val: dict | None) -> str:
    if val is None:
        return "not validated"
    if not val["by_rule"]:
        return f"valid ({val['seconds']:.1f} s)"
    rules = ", ".join(f"{k}×{v}" for k, v in sorted(val["by_rule"].items()))
    return f"INVALID: {rules}; e.g. {val['first'][0]}"


# --------------------------------------------------------------------------- parent


def _parse_sizes(spec: list[str] | None, variants: list[str] | None) -> list[tuple[int, int, str]]:
    items = spec or DEFAULT_SIZES
    out: list[tuple[int, int, str]] = []
    for item in items:
        for part in item.split(","):
            part = part.strip()
            if not part:
                continue
            size, _, variant = part.partition(":")
            v, n = (int(x) for x in size.lower().split("x"))
            if variant:
                vs = [variant]
            elif variants:
                vs = variants
            else:
                vs = ["realistic", "broad"] if v * n <= BROAD_MAX else ["realistic"]
            for var in vs:
                if var not in ("realistic", "broad"):
                    raise SystemExit(f"unknown variant {var!r}: use realistic or broad")
                out.append((v, n, var))
    return out


def _med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


HEADER = (
    f"{'size':>11} {'variant':>9} {'pairs':>9} {'read':>6} {'elig':>6} {'model':>6} {'solve':>6} "
    f"{'expl':>6} {'write':>6} {'total':>7} {'peakMB':>7} {'status':>8} {'gap':>8} "
    f"{'filled/places':>13} {'prio/bound':>13}"
)


def _row(size: str, variant: str, r: dict) -> str:
    o = r["ours"]
    t = {k: _med([run[k] for run in o["runs"]]) for k in o["runs"][0]}
    return (
        f"{size:>11} {variant:>9} {r['pairs']:>9} {t['read']:>6.2f} {t['eligibility']:>6.2f} {t['model']:>6.2f} "
        f"{t['solve']:>6.2f} {t['explain']:>6.2f} {t['write']:>6.2f} {t['total']:>7.2f} {o['peak_mb']:>7.0f} "
        f"{o['status']:>8} {o['gap']:>8.4%} {str(o['filled']) + '/' + str(o['places']):>13} "
        f"{str(o['priority_filled']) + '/' + str(o['priority_bound']):>13}"
    )


def _baseline_lines(r: dict) -> list[str]:
    o = r["ours"]
    total = _med([run["total"] for run in o["runs"]])
    lines = [
        f"{'':>22} our plan: {_valid_text(o.get('validation'))}",
        f"{'':>22} instance for baselines: {r['instance_s']:.2f} s, {r['cliques']} cliques",
    ]
    g = r["greedy"]
    lines.append(
        f"{'':>22} greedy: {_med(g['times']):.2f} s, filled {g['filled']}, priority {g['priority_filled']}"
        f" (ours {o['priority_filled'] - g['priority_filled']:+d}), fit {g['fit']} (ours {o['fit']})"
        + (f", VIOLATIONS {g['violations']}" if g["violations"] else "")
        + f"; {_valid_text(g.get('validation'))}"
    )
    m = r["mip"]
    if "skipped" in m:
        lines.append(f"{'':>22} MIP: skipped ({m['skipped']})")
    else:
        mt = _med(m["times"])
        ratio = mt / total if total > 0 else float("inf")
        share = o["priority_filled"] / m["priority_filled"] if m["priority_filled"] else float("nan")
        limited = not m["status"].startswith("optimal")
        lines.append(
            f"{'':>22} MIP (HiGHS): {mt:.2f} s, {m['status']}, filled {m['filled']}, priority {m['priority_filled']},"
            f" fit {m['fit']}"
            + (f", VIOLATIONS {m['violations']}" if m["violations"] else "")
            + f"; {_valid_text(m.get('validation'))}"
        )
        lines.append(
            f"{'':>22} MIP time / our total = {'≥' if limited else ''}{ratio:.1f}×;"
            f" our priority_filled / MIP's = {share:.4%}; fit ours − MIP = {o['fit'] - m['fit']:+d}"
        )
    return lines


def _targets(size: str, variant: str, r: dict) -> list[str]:
    o = r["ours"]
    total = _med([run["total"] for run in o["runs"]])
    key = (size, variant)
    out: list[str] = []

    def line(ok: bool | None, text: str) -> str:
        mark = "n/a " if ok is None else ("PASS" if ok else "FAIL")
        return f"{'':>22} target [{mark}] {text}"

    if key in TARGET_E2E_S:
        lim = TARGET_E2E_S[key]
        out.append(line(total < lim, f"end-to-end < {lim:g} s: {total:.2f} s"))
    if key in TARGET_MEM_MB:
        lim = TARGET_MEM_MB[key]
        out.append(line(o["peak_mb"] < lim, f"peak memory < {lim / 1024:g} GB: {o['peak_mb']:.0f} MB"))
    if key in TARGET_MIP_SPEEDUP:
        want = TARGET_MIP_SPEEDUP[key]
        m = r["mip"]
        if "skipped" in m:
            out.append(line(None, f"≥ {want:g}× faster than MIP with the same coverage: MIP skipped"))
        else:
            ratio = _med(m["times"]) / total if total > 0 else float("inf")
            same = o["priority_filled"] >= m["priority_filled"]
            out.append(
                line(
                    ratio >= want and same,
                    f"≥ {want:g}× faster than MIP with the same coverage: {ratio:.1f}×"
                    f"{' (MIP hit its time limit)' if not m['status'].startswith('optimal') else ''},"
                    f" priority {o['priority_filled']} vs MIP {m['priority_filled']}",
                )
            )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", help="VxN[:variant], comma or space separated (default: all)")
    ap.add_argument("--variants", help="realistic,broad (default: both up to 6000x1500, realistic above)")
    ap.add_argument("--repeat", type=int, default=1, help="measure each N times and print medians")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-mip", action="store_true", help="do not run the HiGHS MIP baseline")
    ap.add_argument("--time-limit", type=float, default=30.0, help="our solver's time limit (s)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--mip-time-limit", type=float, default=120.0)
    ap.add_argument("--no-validate", action="store_true", help="skip matcher.validate on the plans")
    ap.add_argument("--keep", metavar="DIR", help="keep the scenarios and plans in DIR")
    ap.add_argument("--json", metavar="FILE", help="also write the raw results as JSON")
    ap.add_argument("-v", "--verbose", action="store_true", help="solver progress and HiGHS log on stderr")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return _child(args)

    import msgspec

    from matcher.generate import generate

    try:
        import highspy  # noqa: F401
    except ImportError:
        if not args.skip_mip:
            print("highspy is not installed (pip install -e '.[dev]'): skipping the MIP baseline")
            args.skip_mip = True

    variants = [v.strip() for v in args.variants.split(",")] if args.variants else None
    plan = _parse_sizes(args.sizes, variants)
    print(
        f"samspill solve_scale: seed {args.seed}, repeat {args.repeat}, time limit {args.time_limit:g} s,"
        f" {args.workers} workers, MIP limit {'skipped' if args.skip_mip else f'{args.mip_time_limit:g} s'},"
        f" {os.cpu_count()} CPUs"
    )
    print("seconds are medians over the repeats; peakMB is the child's max RSS after our solves\n")
    print(HEADER, flush=True)
    rows: list[str] = []
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="samspill-bench-") as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for v, n, variant in plan:
            size = f"{v}x{n}"
            t0 = time.perf_counter()
            scenario = generate(v, n, args.seed, broad=variant == "broad")
            path = folder / f"scenario-{size}-{variant}-s{args.seed}.json"
            path.write_bytes(msgspec.json.encode(scenario))
            del scenario
            gen_s = time.perf_counter() - t0
            cmd = [
                sys.executable, str(Path(__file__).resolve()), "--child", str(path),
                "--repeat", str(args.repeat), "--time-limit", str(args.time_limit),
                "--workers", str(args.workers), "--mip-time-limit", str(args.mip_time_limit),
            ]  # fmt: skip
            if args.skip_mip:
                cmd.append("--skip-mip")
            if args.no_validate:
                cmd.append("--no-validate")
            if args.verbose:
                cmd.append("--verbose")
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=None, text=True, cwd=str(ROOT))
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
            if proc.returncode != 0 or not lines:
                msg = f"{size:>11} {variant:>9} child failed (exit {proc.returncode})"
                print(msg, flush=True)
                rows.append(msg)
                continue
            r = json.loads(lines[-1][len("RESULT "):])
            r.update(size=size, variant=variant, generate_s=gen_s, file_mb=path.stat().st_size / 1e6)
            results.append(r)
            if "error" in r:
                msg = f"{size:>11} {variant:>9} {r['error']}"
                print(msg, flush=True)
                rows.append(msg)
                continue
            row = _row(size, variant, r)
            rows.append(row)
            print(row)
            for ln in (
                f"{'':>22} scenario: generated in {gen_s:.2f} s, {r['file_mb']:.1f} MB JSON,"
                f" {r['ours']['pinned']} pinned, {r['ours']['conflicts']} conflicts, method {r['ours']['method']}",
                *_baseline_lines(r),
                *_targets(size, variant, r),
            ):  # fmt: skip
                print(ln)
            sys.stdout.flush()
    if len(rows) > 1:
        print("\nsummary\n" + HEADER)
        for row in rows:
            print(row)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
