"""`samspill serve`, `samspill demo`, `samspill db upgrade`, `samspill tokens …`: running the service."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service import clock
from service.cli.common import check_migrated, fewer_malloc_arenas, load_settings, run, with_session
from service.settings import Settings

DEMO_DATABASE = "samspill-demo.sqlite3"
# Board streams (server-sent events) never end by themselves: without a limit a restart would
# wait for every big screen to hang up. After this many seconds they are cut; EventSource reconnects.
GRACEFUL_SHUTDOWN_S = 5
# How long an idle keep-alive connection stays open. uvicorn's own 5 s is no longer than clients and
# proxies keep theirs (httpx's pool 5 s, nginx 75 s, cloud load balancers 60 s): a request sent on a
# connection the server is closing just then fails with "server disconnected without sending a
# response" (a 502 behind a proxy). Longer than theirs, the client or the proxy closes first.
KEEP_ALIVE_S = 75


def _whole(least: int, most: int | None = None, what: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number from `least` to `most` (if given); `what` names it in the message."""

    def read(raw: str) -> int:
        try:
            n = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}a whole number, not {raw!r}") from None
        if most is not None and not least <= n <= most:
            raise argparse.ArgumentTypeError(f"{what}between {least} and {most}, not {n}")
        if n < least:
            raise argparse.ArgumentTypeError(f"{what}at least {least}, not {n}")
        return n

    return read


# A TCP port: a larger one reached the socket's bind as a traceback
_port = _whole(1, 65535, "a port is ")


def register(sub: Any) -> None:
    serve = sub.add_parser("serve", help="run the HTTP API (SQLite file by default; SAMSPILL_DATABASE_URL selects)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--workers", type=_whole(1), default=1,
                       help="server processes (each reads SAMSPILL_DATABASE_URL; most useful with PostgreSQL)")
    serve.set_defaults(func=cmd_serve)

    worker = sub.add_parser("worker", help="take plan runs from the job queue (PostgreSQL; run as many as you like, "
                                           "on this machine or others)")
    worker.set_defaults(func=cmd_worker)

    demo = sub.add_parser("demo", help="create a demo municipality, print tokens and the URL, and serve")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=_port, default=8000)
    demo.add_argument("--volunteers", type=_whole(0), default=300)
    demo.add_argument("--needs", type=_whole(0), default=80)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--in-force", type=float, default=0.0, metavar="SHARE",
                      help="share of places (0-1) already taken by placements in force, a few of them at risk")
    demo.add_argument("--database-url", default=None,
                      help=f"default: a fresh SQLite file {DEMO_DATABASE} in the working directory")
    demo.add_argument("--no-serve", action="store_true", help="create the data and tokens, then exit")
    demo.set_defaults(func=cmd_demo)

    db = sub.add_parser("db", help="database schema (Alembic migrations)")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION")
    db_sub.required = True
    up = db_sub.add_parser("upgrade", help="migrate the database to the current schema")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=cmd_db_upgrade)
    cur = db_sub.add_parser("current", help="print the database's schema revision")
    cur.set_defaults(func=cmd_db_current)
    bak = db_sub.add_parser("backup", help="a consistent copy of the register while it runs (SQLite: a file; "
                                           "PostgreSQL: pg_dump's custom format, restored with pg_restore)")
    bak.add_argument("file", type=Path, help="where to write the copy (must not exist)")
    bak.set_defaults(func=cmd_db_backup)

    tokens = sub.add_parser("tokens", help="bearer tokens for the API")
    t_sub = tokens.add_subparsers(dest="tokens_command", metavar="ACTION")
    t_sub.required = True
    create = t_sub.add_parser("create", help="create a token; it is printed once, alone on the last line")
    create.add_argument("--role", required=True, choices=("coordinator", "site", "volunteer", "broker", "notary"))
    scope = create.add_mutually_exclusive_group()
    scope.add_argument("--site", help="the site or organisation a site token is bound to")
    scope.add_argument("--volunteer", help="the volunteer a volunteer token is bound to")
    scope.add_argument("--event", help="the exchange event a broker or notary token is bound to")
    create.add_argument("--name", required=True, help="who holds it, e.g. 'Kari at Eik sykehjem'")
    create.set_defaults(func=cmd_tokens_create)
    revoke = t_sub.add_parser("revoke", help="revoke a token by its id (tok-…)")
    revoke.add_argument("token_id")
    revoke.set_defaults(func=cmd_tokens_revoke)
    lst = t_sub.add_parser("list", help="list tokens (never their secrets)")
    lst.set_defaults(func=cmd_tokens_list)


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy settings: X-Forwarded-For is believed only from SAMSPILL_TRUSTED_PROXIES.

    uvicorn by default trusts the header from 127.0.0.1, so anyone on the same host (or any
    request relayed by a local process) could choose the address the sign-in limit counts.
    """
    trusted = settings.trusted_proxies.strip()
    if not trusted:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": trusted}


def _serve(settings: Settings, host: str, port: int, workers: int = 1) -> int:
    import uvicorn

    from service.app import create_app

    proxies = proxy_options(settings)
    fewer_malloc_arenas(children=True)  # before the server's threads (the plan runs') start; and its workers'
    if workers > 1:  # each worker process builds its own app from the environment
        os.environ["SAMSPILL_DATABASE_URL"] = settings.database_url
        uvicorn.run("service.app:create_app", factory=True, host=host, port=port, workers=workers, log_level="info",
                    timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S, timeout_keep_alive=KEEP_ALIVE_S, **proxies)
    else:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info",
                    timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S, timeout_keep_alive=KEEP_ALIVE_S, **proxies)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from service.exchange.settings import ExchangeSettings

    settings = load_settings()
    ExchangeSettings.from_env()  # read now, so a value that cannot be read is said before "serving"
    if not check_migrated(settings):
        return 2
    print(f"samspill: serving http://{args.host}:{args.port}/ (API docs at /schema)", flush=True)
    return _serve(settings, args.host, args.port, args.workers)


def cmd_worker(args: argparse.Namespace) -> int:
    """A plan-run worker: takes `samspill.run_plan` jobs until stopped (Ctrl-C or SIGTERM finish the run)."""
    from service.app import plan_jobs
    from service.db.engine import create_engine, create_sessionmaker, is_sqlite
    from service.jobs import QueueJobs, load_solver

    settings = load_settings()
    if is_sqlite(settings.database_url):
        print("samspill: a SQLite register runs plans inside `samspill serve`; workers need PostgreSQL "
              "(set SAMSPILL_DATABASE_URL)", file=sys.stderr)
        return 2
    if not check_migrated(settings):
        return 2

    fewer_malloc_arenas()  # before the plan runs' threads start

    async def work() -> None:
        engine = create_engine(settings.database_url)
        jobs = plan_jobs(settings, create_sessionmaker(engine), load_solver(settings.solver))
        assert isinstance(jobs, QueueJobs)
        try:
            async with jobs.app.open_async():
                await jobs.run_worker(install_signal_handlers=True)
        finally:
            await engine.dispose()

    from matcher.mip import quiet_highs_banner

    quiet_highs_banner()  # before any thread writes to standard output (see its docstring)
    print("samspill: worker taking plan runs from the queue", flush=True)
    run(work())
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from service.db.migrate import upgrade

    settings = load_settings()
    run(upgrade(settings.database_url, args.revision))
    print(f"samspill: database at revision {args.revision}")
    return 0


def cmd_db_current(args: argparse.Namespace) -> int:
    from service.db.migrate import current_revision, head_revision

    settings = load_settings()
    have = run(current_revision(settings.database_url))
    print(f"current: {have or '(none)'}; code needs: {head_revision(settings.database_url)}")
    return 0


def cmd_db_backup(args: argparse.Namespace) -> int:
    from service.db.backup import BackupError, backup

    settings = load_settings()
    try:
        print(f"samspill: backup {backup(settings.database_url, args.file)}")
    except BackupError as exc:
        print(f"samspill: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_tokens_create(args: argparse.Namespace) -> int:
    from service.auth import create_token

    settings = load_settings()
    if not check_migrated(settings):
        return 2

    async def work(session: Any) -> tuple[Any, str]:
        return await create_token(session, role=args.role, name=args.name, site_id=args.site,
                                  volunteer_id=args.volunteer, event_id=args.event)

    try:
        row, text = run(with_session(settings, work))
    except ValueError as exc:
        print(f"samspill: {exc}", file=sys.stderr)
        return 2
    scope = (
        f" for site {row.site_id}" if row.site_id
        else f" for volunteer {row.volunteer_id}" if row.volunteer_id
        else f" for event {row.event_id}" if row.event_id
        else ""
    )
    print(f"token {row.id} ({row.role}{scope}, {row.name}); shown once, keep it secret:")
    print(text)
    return 0


def cmd_tokens_revoke(args: argparse.Namespace) -> int:
    from service.auth import revoke_token

    settings = load_settings()
    if not check_migrated(settings):
        return 2
    ok = run(with_session(settings, lambda s: revoke_token(s, args.token_id)))
    if not ok:
        print(f"samspill: no active token {args.token_id!r}", file=sys.stderr)
        return 1
    print(f"revoked {args.token_id}")
    return 0


def cmd_tokens_list(args: argparse.Namespace) -> int:
    import sqlalchemy as sa

    from service.db.models import TokenRow

    settings = load_settings()
    if not check_migrated(settings):
        return 2

    async def work(session: Any) -> list[Any]:
        return list((await session.scalars(sa.select(TokenRow).order_by(TokenRow.created_at))).all())

    for t in run(with_session(settings, work)):
        scope = t.site_id or t.volunteer_id or t.event_id or "-"
        state = "revoked" if t.revoked_at else "active"
        print(f"{t.id}\t{t.role}\t{scope}\t{state}\t{t.name}")
    return 0


def next_monday(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


async def build_demo(settings: Settings, volunteers: int, needs: int, seed: int,
                     in_force: float = 0.0) -> dict[str, Any]:
    """Migrate, import a synthetic municipality and create tokens; return what to print.
    With `in_force`, that share of places is taken by placements in force (some at risk)."""
    from matcher.generate import generate
    from service.accounts import ensure_demo_user
    from service.auth import SYSTEM, create_token
    from service.db.migrate import upgrade
    from service.register.scenario_io import import_scenario

    await upgrade(settings.database_url)
    scenario = generate(volunteers, needs, seed, start=next_monday(clock.today()), weeks=8, committed=in_force)

    async def work(session: Any) -> dict[str, Any]:
        counts = await import_scenario(session, SYSTEM, scenario, "samspill demo")
        site = next(s for s in scenario.sites if s.kind == "service_site")
        volunteer = scenario.volunteers[0]
        _, coordinator = await create_token(session, role="coordinator", name="Demo coordinator")
        _, site_token = await create_token(session, role="site", name=f"Demo contact, {site.name}", site_id=site.id)
        _, vol_token = await create_token(session, role="volunteer", name=volunteer.name, volunteer_id=volunteer.id)
        web_user = await ensure_demo_user(session)
        site_user = await ensure_demo_user(session, role="site", site_id=site.id)
        return {"counts": counts, "site": site, "volunteer": volunteer, "coordinator": coordinator,
                "site_token": site_token, "volunteer_token": vol_token, "web_user": web_user,
                "site_user": site_user}

    result: dict[str, Any] = await with_session(settings, work)
    return result


def cmd_demo(args: argparse.Namespace) -> int:
    url = args.database_url or os.environ.get("SAMSPILL_DEMO_DATABASE_URL") or f"sqlite:///{DEMO_DATABASE}"
    # The demo serves plain http on this machine: cookies without the Secure flag.
    from dataclasses import replace

    if not 0 <= args.in_force <= 1:  # before the old demo database is removed below
        print("samspill demo: --in-force: a share between 0 and 1", file=sys.stderr)
        return 2
    settings = replace(load_settings(url), secure_cookies=False)
    if settings.database_url.startswith("sqlite") and not args.database_url:
        for suffix in ("", "-wal", "-shm"):
            Path(DEMO_DATABASE + suffix).unlink(missing_ok=True)
    out = run(build_demo(settings, args.volunteers, args.needs, args.seed, args.in_force))
    c = out["counts"]
    base = f"http://{args.host}:{args.port}"
    print(f"samspill demo: {c['sites']} sites and organisations, {c['volunteers']} volunteers, {c['needs']} needs, "
          f"{c['activities']} activities, {c['placements']} placements in force ({settings.database_url})")
    print(f"  API and docs:      {base}/schema")
    print(f"  coordinator pages: {base}/  (sign in as {out['web_user'][0]}, password {out['web_user'][1]})")
    print(f"  site contact ({out['site'].name}): {base}/site  (sign in as {out['site_user'][0]}, "
          f"password {out['site_user'][1]})")
    print(f"  volunteers sign in at {base}/login/link (without SAMSPILL_SMTP_URL the e-mail waits in the outbox)")
    print(f"  site token ({out['site'].id}):")
    print(f"    {out['site_token']}")
    print(f"  volunteer token ({out['volunteer'].id}):")
    print(f"    {out['volunteer_token']}")
    print(f"  try: curl -X POST -H 'Authorization: Bearer <coordinator token>' {base}/api/v1/plans")
    print("  coordinator token:")
    print(out["coordinator"], flush=True)
    if args.no_serve:
        return 0
    if not os.environ.get("SAMSPILL_PUBLIC_URL"):  # the links in e-mails, calendars and QR codes: this server
        settings = replace(settings, public_url=base)
    return _serve(settings, args.host, args.port)
