"""The exchange event's meeting suggestions (`events.suggestions.suggest_meetings`): seconds per call on
synthetic events (`events.generate.synthetic_event`), medians of `--repeat`, with the schedule's size and
whether the seating is proven optimal. Færder's event (150 participants, 300 offers and needs, 6 rounds,
20 tables) is the first row; the others show how it grows.

    .venv/bin/python bench/suggestions.py
    .venv/bin/python bench/suggestions.py --sizes 150:300 400:800 --repeat 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from events.generate import synthetic_event
from events.suggestions import suggest_meetings


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", nargs="+", default=["150:300", "300:600"], help="PARTICIPANTS:ENTRIES")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--tables", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)
    print(f"suggestions: {args.rounds} rounds, {args.tables} tables, seed {args.seed}, medians of {args.repeat}")
    for size in args.sizes:
        participants, entries = (int(x) for x in size.split(":"))
        ev, people, offers, needs = synthetic_event(participants=participants, entries=entries, rounds=args.rounds,
                                                    tables=args.tables, seed=args.seed)  # fmt: skip
        times = []
        result = None
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            result = suggest_meetings(ev, people, offers, needs)
            times.append(time.perf_counter() - t0)
        assert result is not None
        print(f"  {participants:>5} participants {entries:>5} entries: {statistics.median(times):.3f} s"
              f" (min {min(times):.3f}), {len(result.schedule)} meetings, status {result.status},"
              f" seating {'optimal' if result.seating_optimal else 'not proven'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
