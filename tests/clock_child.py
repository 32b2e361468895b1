"""Runs a module as `python -m` would, with the service's clock shifted (tests only): how a test under
`--clock-at` starts the service in another process at the same moment as itself.

    python -m tests.clock_child OFFSET_SECONDS service.cli serve --port 8123

OFFSET_SECONDS is `clock.offset()` in the test's process, so both processes read the same `clock.now()`
and it moves on with real time in both (tests/conftest.py's `service_command` builds this line)."""

from __future__ import annotations

import datetime as dt
import runpy
import sys

from service import clock


def main(argv: list[str]) -> None:
    if len(argv) < 2:
        raise SystemExit("usage: python -m tests.clock_child OFFSET_SECONDS MODULE [ARG ...]")
    clock.shift_to(clock.now() + dt.timedelta(seconds=float(argv[0])))
    sys.argv = [argv[1], *argv[2:]]
    runpy.run_module(argv[1], run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
