"""The `samspill` command line: one entry point, subcommands registered per area.

Each area (matcher, server, users, notify) is a module of this package that imports
`service.cli.common` and never another area, so the package has no import cycles
(tests/test_architecture.py keeps it so)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

# Each area module exposes `register(subparsers)`; a subcommand sets `func(args) -> int`.
_AREAS = ("service.cli.matcher", "service.cli.server", "service.cli.users", "service.cli.notify",
          "service.cli.privacy")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="samspill",
        description="Matchmaking for volunteering in municipal health and care.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    import importlib

    for name in _AREAS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # an area whose optional dependencies are missing
            if exc.name and exc.name.startswith(name):
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    from service.settings import SettingsError

    try:
        code = func(args)
    except SettingsError as exc:  # a setting in the environment: the variable and what it needs, no traceback
        print(f"samspill: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("samspill: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    if argv is None and getattr(args, "exit_at_once", False):
        # The process's own command (not a call from Python) whose work is written and flushed: end
        # without tearing the interpreter down object by object (0.2-0.4 s after a large solve).
        import contextlib
        import logging
        import os

        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError):  # a closed pipe: nothing more to say
                stream.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
