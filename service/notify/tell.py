"""Who hears of what: a volunteer (in their language, at their e-mail address) or the coordinators."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import UserRow, VolunteerAccountRow, VolunteerRow
from service.notify.outbox import enqueue


async def volunteer_lang(session: AsyncSession, volunteer_id: str) -> str:
    lang = await session.scalar(
        sa.select(VolunteerAccountRow.lang).where(VolunteerAccountRow.volunteer_id == volunteer_id)
    )
    from service.web import i18n

    return i18n.pick_lang(lang)


@dataclass(frozen=True)
class Phrase:
    """A message of the catalogue, written in each reader's language when their mail is queued."""

    key: str
    words: Mapping[str, Any] = field(default_factory=dict)


def localised(data: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Dates and phrases in the reader's language; everything else as given."""
    from service.web import i18n

    def one(v: Any) -> Any:
        if isinstance(v, Phrase):
            return i18n.t(lang, v.key, **v.words)
        return i18n.date(lang, v) if isinstance(v, dt.date) else v

    return {k: one(v) for k, v in data.items()}


async def tell_volunteer(
    session: AsyncSession,
    volunteer_id: str,
    kind: str,
    data: Mapping[str, Any],
    key: str,
    *,
    sms: bool = False,
) -> list[str]:
    """Queue `kind` to the volunteer's e-mail (and phone, with `sms` and an SMS adapter); ids queued.

    A volunteer with no e-mail address (and no SMS) hears nothing from here: the coordinator tells them.
    """
    row = await session.get(VolunteerRow, volunteer_id)
    if row is None or row.data is None:
        return []
    doc = row.data
    lang = await volunteer_lang(session, volunteer_id)
    words = {"name": doc.get("name", ""), **localised(data, lang)}
    out = []
    if doc.get("email"):
        queued = await enqueue(
            session, doc["email"], kind, words, lang, f"{key}:email", volunteer_id=volunteer_id
        )
        out += [queued] if queued else []
    if sms and doc.get("phone"):
        queued = await enqueue(
            session, doc["phone"], kind, words, lang, f"{key}:sms", channel="sms", volunteer_id=volunteer_id
        )
        out += [queued] if queued else []
    return out


async def tell_coordinators(
    session: AsyncSession, kind: str, data: Mapping[str, Any], key: str, volunteer_id: str | None = None
) -> list[str]:
    """Queue `kind` to every coordinator who signs in to the web pages, each in the language they last
    read the pages in."""
    readers = (
        await session.execute(
            sa.select(UserRow.email, UserRow.lang)
            .where(UserRow.role == "coordinator", UserRow.disabled_at.is_(None))
            .order_by(UserRow.email)
        )
    ).all()
    from service.web import i18n

    out = []
    for email, stored in readers:
        lang = i18n.pick_lang(stored)
        queued = await enqueue(
            session, email, kind, localised(data, lang), lang, f"{key}:{email}", volunteer_id=volunteer_id
        )
        out += [queued] if queued else []
    return out


def when_text(lang: str, need: Mapping[str, Any]) -> str:
    """A need's times in words: «mandager kl. 10:00–12:00» or «én gang 4. januar 2027 kl. 10:00–12:00»."""
    from service.web import i18n

    out = []
    if need.get("once"):
        o = need["once"]
        out.append(i18n.t(lang, "once", date=i18n.date(lang, o["date"]), start=o["start"], end=o["end"]))
    for s in need.get("weekly") or []:
        out.append(
            i18n.t(
                lang, "weekly", day=i18n.t(lang, f"weekday.{s['weekday']}"), start=s["start"], end=s["end"]
            )
        )
    return "; ".join(out)


async def tell_released(
    session: AsyncSession,
    public_url: str,
    placement_id: str,
    volunteer_id: str,
    need: Mapping[str, Any],
    activity: str,
    site: str,
) -> list[str]:
    """A released proposal reaches the volunteer: what, where, when, and the way to answer."""
    lang = await volunteer_lang(session, volunteer_id)
    return await tell_volunteer(
        session,
        volunteer_id,
        "proposal_released",
        {
            "activity": activity,
            "site": site,
            "title": need.get("title", ""),
            "when": when_text(lang, need),
            "url": public_url + "/me",
        },
        f"released:{placement_id}",
    )
