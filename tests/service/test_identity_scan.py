"""`samspill privacy scan`: every stored text holding what looks like a fødselsnummer is listed, never shown,
never changed; the service's own ids and secrets are not looked at."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa

from service.auth import create_token
from service.cli import main
from service.db.models import SiteRow, VolunteerRow
from tests.service.factories import in_session

NUMBER = "010190 12345"




async def _stored_by_hand(session: Any) -> None:
    """Rows as an old version, or someone at the database, could have left them: past the edge's check."""
    session.add(SiteRow(id="eik", data={"id": "eik", "name": f"Eik sykehjem {NUMBER}", "kind": "nursing_home"}))
    session.add(SiteRow(id="lind", data={"id": "lind", "name": "Lind omsorgssenter", "kind": "nursing_home"}))
    session.add(VolunteerRow(id="v1", data={"id": "v1", "name": "Kari", "notes": ["ringes etter 16", f"fnr {NUMBER}"],
                                            "source": "evt-a01019012345"}))  # a made id: not a finding
    session.add(VolunteerRow(id="v2", data={"id": "v2", "name": "Ola", "notes": ["tlf 912 34 567"]}))
    session.add(VolunteerRow(id="v3", data=None))  # anonymised
    await create_token(session, role="coordinator", name="test")  # its hash: a secret column, not looked at


def _scan(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str) -> tuple[int, str, str]:
    monkeypatch.setenv("SAMSPILL_DATABASE_URL", url)
    code = main(["privacy", "scan"])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_privacy_scan_lists_each_field_holding_one_and_changes_nothing(db_url: str, monkeypatch, capsys) -> None:
    asyncio.run(in_session(db_url, _stored_by_hand))
    code, out, err = _scan(monkeypatch, capsys, db_url)
    assert code == 1, (out, err)
    assert out.splitlines() == ["sites eik: data.name", "volunteers v1: data.notes[1]"]
    assert "12345" not in out + err  # the value is never shown
    assert "2 stored field(s)" in err and "Nothing was changed" in err

    async def notes(session: Any) -> Any:
        return (await session.get(VolunteerRow, "v1")).data["notes"][1]

    assert asyncio.run(in_session(db_url, notes)) == f"fnr {NUMBER}"  # read only

    async def correct(session: Any) -> None:
        await session.execute(sa.update(SiteRow).where(SiteRow.id == "eik").values(
            data={"id": "eik", "name": "Eik sykehjem", "kind": "nursing_home"}))
        v1 = await session.get(VolunteerRow, "v1")
        v1.data = {**v1.data, "notes": ["ringes etter 16"]}

    asyncio.run(in_session(db_url, correct))
    code, out, err = _scan(monkeypatch, capsys, db_url)
    assert (code, out) == (0, ""), err
    assert "no stored text" in err


def test_the_coordinators_page_lists_the_same_with_where_to_correct_them(db_url: str, monkeypatch) -> None:
    """service.register.privacy (the /privacy page): the scan's findings, a link to the edit page where the
    record has one, at most LIST_AT_MOST listed with the total beside; the coordinator's alone."""
    from service.auth import Principal
    from service.problems import Problem
    from service.register import privacy

    asyncio.run(in_session(db_url, _stored_by_hand))
    coordinator = Principal(token_id="t", name="k", role="coordinator")

    async def scan(session: Any) -> Any:
        return await privacy.identity_number_scan(session, coordinator)

    got = asyncio.run(in_session(db_url, scan))
    assert got.total == 2
    assert [(f.table, f.key, f.field, f.href) for f in got.findings] == [
        ("sites", "eik", "data.name", None), ("volunteers", "v1", "data.notes[1]", "/volunteers/v1/edit")]
    monkeypatch.setattr(privacy, "LIST_AT_MOST", 1)
    got = asyncio.run(in_session(db_url, scan))
    assert (got.total, len(got.findings)) == (2, 1)

    async def as_site(session: Any) -> Any:
        site = Principal(token_id="t", name="s", role="site", site_id="eik")
        return await privacy.identity_number_scan(session, site)

    with pytest.raises(Problem) as refused:
        asyncio.run(in_session(db_url, as_site))
    assert refused.value.status == 403


def test_hashes_and_random_keys_are_not_read_as_identity_numbers(db_url: str, monkeypatch, capsys) -> None:
    """A sha256 in hex holds a run of exactly 11 digits one time in 22 (a session's id did, and the privacy
    page listed `web_sessions` beside the real finding); the columns the models mark opaque are not read."""
    import datetime as dt

    from service.db.models import OPAQUE, IdempotencyRow, LoginLinkRow, VolunteerAccountRow, WebSessionRow

    run = "01019012345"  # an 11-digit run inside each opaque value below
    later = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)

    async def stored(session: Any) -> None:
        session.add(WebSessionRow(id=f"ab{run}" + "c" * 51, subject="user:usr-x", expires_at=later))
        session.add(IdempotencyRow(token_id="tok-x", key="k1", request_hash=f"{run}" + "f" * 53, status_code=201,
                                   response={}))  # fmt: skip
        session.add(LoginLinkRow(id="lnk-x", volunteer_id="v9", token_hash="e" * 53 + run, expires_at=later))
        session.add(VolunteerAccountRow(volunteer_id="v9", calendar_key=f"K{run}K"))
        session.add(VolunteerRow(id="v9", data={"id": "v9", "name": "Per", "notes": [f"fnr {run}"]}))

    asyncio.run(in_session(db_url, stored))
    code, out, err = _scan(monkeypatch, capsys, db_url)
    assert code == 1, (out, err)
    assert out.splitlines() == ["volunteers v9: data.notes[0]"]  # the note alone
    from service.db.models import Base

    marked = {(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns if c.info == OPAQUE}
    assert {("web_sessions", "id"), ("idempotency_keys", "request_hash"), ("event_floor_links", "link_hash"),
            ("login_links", "token_hash"), ("volunteer_accounts", "calendar_key")} <= marked
