"""`samspill privacy …`: checks of what the register holds against DOMAIN.md's privacy rules."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from service.cli.common import check_migrated, load_settings, run, with_session


def register(sub: Any) -> None:
    privacy = sub.add_parser("privacy", help="checks of what the register holds against the privacy rules")
    p_sub = privacy.add_subparsers(dest="privacy_command", metavar="ACTION")
    p_sub.required = True
    scan = p_sub.add_parser(
        "scan", help="list every stored text that looks like a national identity number (fødselsnummer); "
                     "read only, values never shown; exit 1 if any")  # fmt: skip
    scan.set_defaults(func=cmd_privacy_scan)


def cmd_privacy_scan(args: argparse.Namespace) -> int:
    from service.db.identity_scan import stored_identity_numbers

    settings = load_settings()
    if not check_migrated(settings):
        return 2

    async def work(session: Any) -> int:
        found = 0
        async for f in stored_identity_numbers(session):
            found += 1
            print(f"{f.table} {f.key}: {f.field}")
        return found

    found: int = run(with_session(settings, work))
    if found:
        print(f"samspill: {found} stored field(s) look like a national identity number (fødselsnummer), which "
              "must never be stored: correct each record on its page or through the API. Nothing was changed.",
              file=sys.stderr)  # fmt: skip
        return 1
    print("samspill: no stored text looks like a national identity number.", file=sys.stderr)
    return 0
