"""`samspill users …`: the people who sign in to the web pages."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from service.cli.common import check_migrated, load_settings, run, with_session


def register(sub: Any) -> None:
    users = sub.add_parser("users", help="web sign-in accounts (the coordinator's pages)")
    u_sub = users.add_subparsers(dest="users_command", metavar="ACTION")
    u_sub.required = True
    create = u_sub.add_parser("create", help="create a user with a password (hashed with argon2)")
    create.add_argument("--role", required=True, choices=("coordinator", "site"))
    create.add_argument("--email", required=True)
    create.add_argument("--name", help="shown on the pages; defaults to the email")
    create.add_argument("--site", help="the site a site user belongs to")
    create.add_argument("--password-stdin", action="store_true",
                        help="read the password from standard input (first line) instead of prompting")
    create.set_defaults(func=cmd_users_create)
    passwd = u_sub.add_parser("set-password", help="give a user a new password")
    passwd.add_argument("--email", required=True)
    passwd.add_argument("--password-stdin", action="store_true")
    passwd.set_defaults(func=cmd_users_set_password)
    lst = u_sub.add_parser("list", help="list users (never their password hashes)")
    lst.set_defaults(func=cmd_users_list)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ValueError("the passwords differ")
    return first


def cmd_users_create(args: argparse.Namespace) -> int:
    from service.accounts import create_user

    settings = load_settings()
    if not check_migrated(settings):
        return 2
    try:
        password = _read_password(args.password_stdin)
        row = run(with_session(settings, lambda s: create_user(
            s, email=args.email, password=password, role=args.role, name=args.name, site_id=args.site)))
    except ValueError as exc:
        print(f"samspill: {exc}", file=sys.stderr)
        return 2
    print(f"user {row.id} ({row.role}, {row.email}) created")
    return 0


def cmd_users_set_password(args: argparse.Namespace) -> int:
    from service.accounts import set_password

    settings = load_settings()
    if not check_migrated(settings):
        return 2
    try:
        password = _read_password(args.password_stdin)
        ok = run(with_session(settings, lambda s: set_password(s, args.email, password)))
    except ValueError as exc:
        print(f"samspill: {exc}", file=sys.stderr)
        return 2
    if not ok:
        print(f"samspill: no user {args.email!r}", file=sys.stderr)
        return 1
    print("password changed")
    return 0


def cmd_users_list(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from service.db.models import UserRow

    settings = load_settings()
    if not check_migrated(settings):
        return 2

    async def work(session: Any) -> list[Any]:
        return list((await session.scalars(sa.select(UserRow).order_by(UserRow.created_at))).all())

    for u in run(with_session(settings, work)):
        print(f"{u.id}\t{u.role}\t{u.site_id or '-'}\t{u.email}\t{u.name}")
    return 0
