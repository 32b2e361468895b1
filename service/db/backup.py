"""`samspill db backup FILE`: a consistent copy of the register, taken while the server runs.

SQLite: the sqlite3 online-backup API (pages copied under the database's own locks, so a write in
progress is either wholly in the copy or not at all). PostgreSQL: `pg_dump --format=custom` (one
snapshot; restore with `pg_restore`). Either way the copy is written beside FILE under a temporary
name and renamed into place only when complete, readable by its owner only (it holds personal data):
a failed backup leaves no half-written file behind, and an existing FILE is never overwritten."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from service.db.engine import is_sqlite


class BackupError(Exception):
    """A backup that could not be made; the message says why and what to do."""


def backup(url: str, dest: Path) -> str:
    """Copy the database at `url` to `dest` (which must not exist); a line saying what was written."""
    if dest.exists():
        raise BackupError(f"{dest} exists; choose a new file name (a backup never overwrites one)")
    if not dest.parent.is_dir():
        raise BackupError(f"{dest.parent} is not a directory")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent)
    os.close(fd)  # mkstemp made it 0600: the copy holds personal data
    tmp = Path(tmp_name)
    try:
        what = _sqlite(url, tmp) if is_sqlite(url) else _postgres(url, tmp)
        os.replace(tmp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return f"{what} → {dest} ({dest.stat().st_size} bytes)"


def _sqlite(url: str, tmp: Path) -> str:
    path = make_url(url).database
    if not path or path == ":memory:" or not Path(path).is_file():
        raise BackupError(f"no SQLite database file at {path or '(none)'} (SAMSPILL_DATABASE_URL)")
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(tmp)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    except sqlite3.Error as exc:
        raise BackupError(f"SQLite backup of {path} failed: {exc}") from exc
    finally:
        dst.close()
        src.close()
    return f"SQLite {path}"


def _postgres(url: str, tmp: Path) -> str:
    exe = shutil.which("pg_dump")
    if exe is None:
        raise BackupError("pg_dump is not on PATH: install the PostgreSQL client (Debian: postgresql-client) "
                          "of the server's major version or newer")
    u = make_url(url)
    env = dict(os.environ)
    if u.password:  # in the environment, not on a command line other users can read
        env["PGPASSWORD"] = str(u.password)
    query = dict(u.query)
    if "ssl" in query:  # asyncpg's spelling; libpq's is sslmode
        query["sslmode"] = query.pop("ssl")
    # (URL.set takes None as "unchanged": _replace drops the password from what pg_dump's argv shows)
    libpq = u._replace(drivername="postgresql", password=None).set(query=query).render_as_string(hide_password=False)
    done = subprocess.run([exe, "--format=custom", "--no-owner", f"--file={tmp}", libpq],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed ({done.returncode}): {done.stderr.strip()}")
    return f"PostgreSQL {u.host or 'localhost'}/{u.database}"
