"""The pages' words in Norwegian Bokmål (default) and English, and dates in Europe/Oslo.

The words live in gettext catalogues, service/locale/{nb,en}/LC_MESSAGES/messages.po, with
key-style msgids (`matching.title`): templates call `_('matching.title')` and Python calls
`t(lang, "matching.title")`. Placeholders are `{name}` (python-brace-format), filled from
keyword arguments. The catalogues are read with Babel when first used, so a fresh checkout
needs no compile step. Dates, times, numbers, weekday names and lists come from Babel's
CLDR data for the page's locale, never from hand-written month names.

The matcher explains itself in English with a `code` and `data` on each reason (and a
`rule` on each unfilled count and near miss); Norwegian is rendered here from those,
with the English sentence as the fallback when a shape is not recognised.

How to add a string: docs/web.md ("Adding a string"), or
`python scripts/i18n.py add KEY --nb "…" --en "…"`.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

from babel import Locale
from babel.dates import format_date, format_time, get_day_names
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

from service import clock

# The language list lives below every layer (service/langs.py); the pages read it from here as before.
from service.langs import DEFAULT_LANG as DEFAULT_LANG
from service.langs import LANGS as LANGS
from service.langs import Lang as Lang
from service.langs import pick_lang as pick_lang

DayWidth = Literal["abbreviated", "narrow", "short", "wide"]
LANG_COOKIE = "samspill_lang"  # the reader's choice (POST /lang), read by every page
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"
# The page language → Babel's locale. British English: day before month, as in Norway, so
# "5 March 2027" and "05/03/2027" read the same way as the Bokmål pages.
BABEL_LOCALES = {"nb": Locale.parse("nb_NO"), "en": Locale.parse("en_GB")}


def po_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(lang: str) -> Catalog:
    """The `.po` catalogue of one language, as Babel reads it (for tools and tests)."""
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


@functools.cache
def translations(lang: str) -> Translations:
    """The compiled catalogue of `lang`; a Bokmål word that is missing falls back to English.

    Compiled in memory from the `.po` file (Babel's write_mo), so no `.mo` is built or shipped.
    """
    buf = io.BytesIO()
    write_mo(buf, read_catalogue(lang))
    buf.seek(0)
    out = Translations(buf, domain=DOMAIN)
    if lang != "en":
        out.add_fallback(translations("en"))
    return out


def t(lang: str, key: str, **kw: Any) -> str:
    """The phrase for `key`; English, then the key itself, when a language lacks it."""
    text = translations(pick_lang(lang)).gettext(key)
    return text.format(**kw) if kw else text


def has(key: str) -> bool:
    """Whether the Bokmål catalogue has `key` (for messages whose kind is chosen at run time)."""
    return translations(DEFAULT_LANG).gettext(key) != key


def N_(key: str) -> str:
    """Marks a key that is looked up at run time, so `pybabel extract` keeps it in the catalogues."""
    return key


# Keys composed at run time from domain values (`_('state.' ~ p.state)`, `t(lang, f"rule.{r}")`):
# listed here so extraction sees them. tests/service/web/test_catalogue.py checks each family
# against the domain's own list of values.
RUNTIME_KEYS = (
    # explanations in a plan: `<kind>.<code>` for every code of matcher/codes.py (and their
    # `.one` / `.plain` variants); tests/service/web/test_reason_codes.py keeps this list complete
    N_("conflict.no-occurrence"), N_("conflict.over-assignments"), N_("conflict.over-headcount"),
    N_("conflict.over-hours"), N_("conflict.overlap"), N_("conflict.overlap.plain"),
    N_("conflict.rule-broken"), N_("elsewhere.not-placed"), N_("elsewhere.over-assignments"),
    N_("elsewhere.over-assignments.one"),
    N_("elsewhere.over-hours"), N_("elsewhere.overlap"), N_("elsewhere.plan-prefers"),
    N_("miss.agreements-missing"), N_("miss.available-from"), N_("miss.available-from.one"),
    N_("miss.available-until"), N_("miss.available-until.one"), N_("miss.away-at-start"),
    N_("miss.away-at-start.one"), N_("miss.forbidden"), N_("miss.forbidden.one"), N_("miss.language"),
    N_("miss.language.one"), N_("miss.not-available"), N_("miss.not-available-on-day"),
    N_("miss.not-available-on-day.one"), N_("miss.not-available.one"), N_("miss.not-willing"),
    N_("miss.over-hours"), N_("miss.over-hours.one"), N_("miss.police-certificate"), N_("miss.too-far"),
    N_("miss.too-far.one"), N_("miss.training-expires"), N_("miss.training-missing"), N_("miss.under-age"),
    N_("miss.under-age.one"), N_("reason.at_risk"), N_("reason.away"), N_("reason.committed"),
    N_("reason.continuity"), N_("reason.continuity.activity"), N_("reason.eligible"), N_("reason.interests"),
    N_("reason.pinned"), N_("reason.previous"), N_("reason.priority"), N_("reason.travel"),
    N_("risk.agreements-missing"), N_("risk.away-at-start"), N_("risk.forbidden"), N_("risk.language"),
    N_("risk.not-available"), N_("risk.not-available.plain"), N_("risk.not-willing"),
    N_("risk.over-assignments"), N_("risk.over-headcount"), N_("risk.over-hours"), N_("risk.overlap"),
    N_("risk.overlap.plain"), N_("risk.police-certificate"), N_("risk.too-far"), N_("risk.training-expires"),
    N_("risk.training-missing"), N_("risk.under-age"), N_("summary.eligible-elsewhere"),
    N_("summary.no-occurrence"), N_("summary.none-eligible"), N_("summary.none-eligible.plain"),
    N_("summary.placed-here"), N_("summary.placed-here.plain"), N_("summary.unwilling"),
    # matcher.rules.RULE_NAMES
    N_("rule.E1"), N_("rule.E2"), N_("rule.E3"), N_("rule.E4"), N_("rule.E5"), N_("rule.E6"), N_("rule.E7"),
    N_("rule.E8"), N_("rule.E9"), N_("rule.C1"), N_("rule.C2"), N_("rule.C3"),
    # the at-risk list's one rule from outside the matcher: missed in a row (service/register/attendance.py)
    N_("rule.attendance"), N_("risk.missed_in_a_row"),
    # proposal states (service/db/models.py) and placement states
    N_("state.proposed"), N_("state.accepted"), N_("state.rejected"),
    N_("placement.state.offered"), N_("placement.state.confirmed"), N_("placement.state.declined"),
    N_("placement.state.ended"),
    # onboarding steps and notes (service/register/onboarding.py)
    N_("onboarding.first_conversation"), N_("onboarding.agreement"), N_("onboarding.declaration"),
    N_("onboarding.police"), N_("onboarding.intro"), N_("onboarding.implied"), N_("onboarding.police_too_old"),
    # problem-details slugs the pages explain in words (service/web/pages.py problem_text)
    N_("problem.need-full"), N_("problem.volunteer-busy"), N_("problem.plan-not-draft"),
    N_("problem.volunteer-gone"), N_("problem.run-in-progress"), N_("problem.placement-answered"),
    # the exchange event (events.schema: EventState, CATEGORIES, participant kinds, follow-up statuses)
    N_("ex.state.draft"), N_("ex.state.catalogue_open"), N_("ex.state.trading"), N_("ex.state.closed"),
    N_("ex.state.follow_up"), N_("ex.state.archived"),
    N_("ex.category.hands"), N_("ex.category.knowledge"), N_("ex.category.goods"), N_("ex.category.event_help"),
    N_("ex.kind.organisation"), N_("ex.kind.business"), N_("ex.kind.public"), N_("ex.kind.individual"),
    N_("ex.status.carried_out"), N_("ex.status.in_progress"), N_("ex.status.not_carried_out"),
    N_("ex.status.no_report"),
    N_("ex.give.kind.time"), N_("ex.give.kind.labour"), N_("ex.give.kind.knowledge"), N_("ex.give.kind.goods"),
    N_("ex.give.kind.premises"), N_("ex.give.kind.event_help"), N_("ex.give.items.one"),
    N_("ex.give.items"),
    N_("ex.csv.category.hands"), N_("ex.csv.category.knowledge"), N_("ex.csv.category.goods"),
    N_("ex.csv.category.event_help"),
    # messages of the outbox (service/notify/outbox.render: mail.<kind>.subject / .body) and their parts
    N_("mail.login_link.subject"), N_("mail.login_link.body"),
    N_("mail.proposal_released.subject"), N_("mail.proposal_released.body"),
    N_("mail.answer_received.subject"), N_("mail.answer_received.body"),
    N_("mail.reminder.subject"), N_("mail.reminder.body"),
    N_("mail.course_expiring.subject"), N_("mail.course_expiring.body"),
    N_("mail.followup_due.subject"), N_("mail.followup_due.body"),
    N_("mail.placement_ended.subject"), N_("mail.placement_ended.body"),
    N_("mail.leave_requested.subject"), N_("mail.leave_requested.body"),
    N_("answer.yes"), N_("answer.no"), N_("answer.reason"),
    # the register pages (service/web/register_pages.py): need states, end reasons, site reports,
    # onboarding steps' forms, priorities, site kinds, statistics groups, form field problems
    N_("need.state.open"), N_("need.state.paused"), N_("need.state.closed"),
    N_("need.to.open"), N_("need.to.paused"), N_("need.to.closed"),
    N_("need.now.open"), N_("need.now.paused"), N_("need.now.closed"),
    N_("end_reason.volunteer_stopped"), N_("end_reason.need_ended"), N_("end_reason.not_a_good_fit"),
    N_("end_reason.moved_away"), N_("end_reason.did_not_come"), N_("end_reason.other"), N_("end_reason.unknown"),
    N_("atrisk.reason.should_end"), N_("atrisk.reason.followup_overdue"),
    N_("atrisk.reason.missed_in_a_row"),
    N_("site.report_sent.should_end"), N_("site.reported.should_end"),
    N_("onboarding.record.first_conversation"), N_("onboarding.record.agreement"),
    N_("onboarding.record.declaration"), N_("onboarding.record.police"), N_("onboarding.record.course"),
    N_("onboarding.saved.first_conversation"), N_("onboarding.saved.agreement"),
    N_("onboarding.saved.declaration"), N_("onboarding.saved.police"), N_("onboarding.saved.course"),
    N_("onboarding.saved.course_remove"),
    N_("priority.1"), N_("priority.2"), N_("priority.3"), N_("priority.4"), N_("priority.5"),
    N_("sites.kind.service_site"), N_("sites.kind.organisation"), N_("sites.err.email"), N_("sites.err.password"),
    N_("stats.per.site"), N_("stats.per.activity"),
    N_("form.err.date"), N_("form.err.number"), N_("form.err.required"), N_("form.err.time"),
    N_("form.err.at_least_one"), N_("form.err.not_negative"), N_("form.err.priority"), N_("form.err.fnr"),
    N_("form.err.day"), N_("form.err.future"), N_("form.err.order"),
    # placements at risk (matcher.commitments: AtRisk.code) are `risk.<code>`, listed above
)


def babel_locale(lang: str) -> Locale:
    return BABEL_LOCALES[pick_lang(lang)]


def number(lang: str, x: float) -> str:
    """4.8 → '4,8' in Bokmål, '4.8' in English; thousands grouped as the locale groups them."""
    return format_decimal(x, locale=babel_locale(lang))


def percent(lang: str, fraction: float) -> str:
    """0.75 → '75 %' / '75%'."""
    return format_percent(fraction, locale=babel_locale(lang))


def and_list(lang: str, items: Iterable[Any]) -> str:
    """['a', 'b', 'c'] → 'a, b og c' / 'a, b and c'."""
    return format_list([str(x) for x in items], locale=babel_locale(lang))


def weekday(lang: str, iso_day: int, width: DayWidth = "wide") -> str:
    """The name of an ISO weekday (1 = Monday): 'mandag' / 'Monday'; width 'abbreviated' for 'man.' / 'Mon'."""
    return str(get_day_names(width, locale=babel_locale(lang))[int(iso_day) - 1])


def _as_date(d: dt.date | str) -> dt.date:
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    if isinstance(d, dt.datetime):
        # A naive one is a wall-clock time in Oslo already (an occurrence's start): its own date, not the
        # server's zone's reading of it (on UTC, 23:30 on a Monday was Tuesday's date).
        d = d.astimezone(clock.OSLO).date() if d.tzinfo else d.date()
    return d


def date(lang: str, d: dt.date | str | None) -> str:
    """'5. mars 2027' / '5 March 2027'."""
    if d is None:
        return ""
    return format_date(_as_date(d), "long", locale=babel_locale(lang))


def short_date(lang: str, d: dt.date | str | None) -> str:
    """'05.03.2027' / '05/03/2027'."""
    if d is None:
        return ""
    return format_date(_as_date(d), "short", locale=babel_locale(lang))


def datetime(lang: str, when: dt.datetime | str | None) -> str:
    """A moment as the wall clock in Oslo shows it: '5. mars 2027 kl. 14:30'."""
    if when is None:
        return ""
    if isinstance(when, str):
        when = dt.datetime.fromisoformat(when)
    local = clock.as_utc(when).astimezone(clock.OSLO)
    return t(lang, "datetime", date=date(lang, local.date()),
             time=format_time(local, "short", tzinfo=clock.OSLO, locale=babel_locale(lang)))


def wall_datetime(lang: str, when: dt.datetime) -> str:
    """A wall-clock time in Oslo held without a zone (an occurrence's start, as its need's times state it):
    shown as it is, '4. januar 2027 kl. 10:00'. `datetime` reads a naive moment as a stored UTC one."""
    return datetime(lang, when if when.tzinfo else when.replace(tzinfo=clock.OSLO))


def month_label(lang: str, key: str, *, with_year: bool = False) -> str:
    """'2027-03' → 'mar.' / 'Mar' (with_year: '03.27'), short enough for a chart axis of many months."""
    year, month = key.split("-")
    return format_date(dt.date(int(year), int(month), 1), "MM.yy" if with_year else "MMM",
                       locale=babel_locale(lang))


def volunteers_phrase(lang: str, n: int) -> str:
    return t(lang, "volunteers.one") if n == 1 else t(lang, "volunteers.many", n=n)


def rule_name(lang: str, rule: str) -> str:
    return t(lang, f"rule.{rule}")


class Lookup(Protocol):
    """Display names for the ids in reasons' data (service/web/views.Names is one)."""

    def site(self, sid: str | None) -> str: ...
    def activity(self, aid: str | None) -> str: ...
    def training(self, tid: str) -> str: ...
    def need_title(self, nid: str) -> str: ...


def has_at_risk_phrase(lang: str, code: str | None) -> bool:
    """Whether the catalogue words an at-risk code (every code of matcher/codes.py is worded)."""
    return bool(code) and has(f"risk.{code}")


class NoNames:
    """A Lookup that shows the ids themselves."""

    def site(self, sid: str | None) -> str:
        return sid or ""

    def activity(self, aid: str | None) -> str:
        return aid or ""

    def training(self, tid: str) -> str:
        return tid

    def need_title(self, nid: str) -> str:
        return nid


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBERS = {"km", "max_km", "hours", "max_hours"}


def or_list(lang: str, items: Iterable[Any]) -> str:
    """['ar', 'so'] → 'ar eller so' / 'ar or so'."""
    return format_list([str(x) for x in items], style="or", locale=babel_locale(lang))


def _value(lang: str, key: str, value: Any, names: Lookup) -> Any:
    """One parameter of an explanation, as the reader's language shows it (data, never a sentence)."""
    if value is None:
        return ""
    if key == "activity":
        return names.activity(str(value)).lower()
    if key == "training":
        return names.training(str(value))
    if key == "site":
        return names.site(str(value))
    if key in ("need", "other_need"):
        return names.need_title(str(value))
    if key == "weekday":
        return weekday(lang, int(value))
    if key in _NUMBERS:
        return number(lang, float(value))
    if key == "languages":
        return or_list(lang, value)
    if key in ("shared", "rules"):
        return and_list(lang, value)
    if key == "dates":
        return and_list(lang, [short_date(lang, d) for d in value])
    if key == "obstacle":
        return rule_name(lang, str(value))
    if isinstance(value, str) and _ISO_DAY.match(value):
        return short_date(lang, value)
    return value


def render(lang: str, kind: str, code: str, data: dict[str, Any] | None, names: Lookup | None = None,
           *, count: int | None = None, fallback: str = "", **extra: Any) -> str:
    """The words for one explanation (`kind` is reason, miss, elsewhere, summary, conflict or risk) from its
    stable code and data through the catalogue key `<kind>.<code>`; `count` picks `<key>.one` for exactly one
    where the language needs it. A code the catalogue lacks comes back as the key itself, which the
    catalogue test catches; data that lacks a placeholder's fact (a plan stored by an older version)
    gives `fallback`, the plan's own English sentence."""
    names = names or NoNames()
    data = data or {}
    key = f"{kind}.{code}"
    if count == 1 and has(f"{key}.one"):
        key += ".one"
    kw = {k: _value(lang, k, v, names) for k, v in data.items()}
    if count is not None:
        kw["n"] = count
        kw["vols"] = volunteers_phrase(lang, count)
    kw.update(extra)
    text = translations(pick_lang(lang)).gettext(key)
    try:
        return text.format(**kw)
    except (KeyError, IndexError):
        return fallback or text


def reason_text(lang: str, reason: dict[str, Any], names: Lookup | None = None,
                need: dict[str, Any] | None = None) -> str:
    """One match reason in plain words, from its code and data (and the need's site and activity, which
    plans stored before `continuity` named them lack)."""
    code = str(reason.get("code") or "")
    data = dict(reason.get("data") or {})
    if not code:  # a plan stored before reasons had codes
        return str(reason.get("text", ""))
    if need is not None:
        data.setdefault("site", need.get("site"))
        data.setdefault("activity", need.get("activity"))
    if code == "continuity" and data.get("same_activity"):
        code = "continuity.activity"
    if code == "at_risk":
        data["rules"] = data.get("rules") or []
    return render(lang, "reason", code, data, names, fallback=str(reason.get("text", "")))


def near_miss_text(lang: str, miss: dict[str, Any], names: Lookup | None = None) -> str:
    """'3 frivillige ville kvalifisert med gyldig demensopplæring', from code, data and count."""
    code = miss.get("code")
    if not code:
        return str(miss.get("text", ""))
    return render(lang, "miss", str(code), miss.get("data"), names, count=int(miss.get("count") or 0),
                  fallback=str(miss.get("text", "")))


def unfilled_summary(lang: str, reasons: dict[str, Any], names: Lookup | None = None) -> str:
    code = reasons.get("code")
    if not code:
        return str(reasons.get("summary", ""))
    data = dict(reasons.get("data") or {})
    key = str(code)
    if key in ("none-eligible", "placed-here") and not data.get("obstacle"):
        key += ".plain"
    extra: dict[str, Any] = {}
    if "eligible" in data:
        extra["vols"] = volunteers_phrase(lang, int(data["eligible"]))
    if "here" in data:
        extra["here_vols"] = volunteers_phrase(lang, int(data["here"]))
    return render(lang, "summary", key, data, names, fallback=str(reasons.get("summary", "")), **extra)


def elsewhere_text(lang: str, item: dict[str, Any], names: Lookup | None = None) -> str:
    code = item.get("code")
    if not code:
        return str(item.get("text", ""))
    data = dict(item.get("data") or {})
    one = data.get("max_assignments") if code == "over-assignments" else None  # "1 assignment"
    return render(lang, "elsewhere", str(code), data, names, fallback=str(item.get("text", "")),
                  count=None if one is None else int(one),
                  title=(names or NoNames()).need_title(str(data.get("need") or item.get("need") or "")))


def conflict_text(lang: str, conflict: dict[str, Any], names: Lookup | None = None) -> str:
    code = conflict.get("code")
    if not code:
        return str(conflict.get("message", ""))
    data = dict(conflict.get("data") or {})
    if code == "rule-broken":
        data["rules"] = [f"{r} ({rule_name(lang, r)})" for r in data.get("rules") or [conflict.get("rule")]]
    key = str(code) + (".plain" if code == "overlap" and not data.get("date") else "")
    return render(lang, "conflict", key, data, names, fallback=str(conflict.get("message", "")))


def at_risk_text(lang: str, entry: dict[str, Any], names: Lookup | None = None) -> str:
    """One placement in force that now breaks a rule (plan.at_risk), and what to do about it."""
    code = str(entry.get("code") or "")
    data = dict(entry.get("data") or {})
    key = code + (".plain" if code in ("not-available", "overlap") and not (data.get("first") or data.get("date"))
                  else "")
    return render(lang, "risk", key, data, names, fallback=str(entry.get("message", "")))


def give_summary(lang: str, parties: Sequence[str], gives: Iterable[Any], names: Mapping[str, str]) -> str:
    """An agreement's gives in words, e.g. 'Bilhuset gir utstyr (1 stk.) til Røde Kors; Røde Kors gir tid (4 t)
    til Bilhuset', from the gives' data (events.schema.Give: from_, kind, hours, items, description)."""
    parts = []
    for g in gives:
        other = parties[1] if g.from_ == parties[0] else parties[0]
        if g.hours is not None:
            amount = t(lang, "ex.give.hours", h=number(lang, g.hours))
        else:
            key = "ex.give.items.one" if g.items == 1 else "ex.give.items"
            amount = t(lang, key, n=number(lang, g.items or 0))
        what = t(lang, "ex.give.what", kind=t(lang, f"ex.give.kind.{g.kind}"), amount=amount)
        who = {"giver": names.get(g.from_, g.from_), "receiver": names.get(other, other), "what": what}
        parts.append(t(lang, "ex.give.described", description=g.description, **who) if g.description
                     else t(lang, "ex.give", **who))
    return "; ".join(parts)


def report_words(lang: str) -> Any:
    """events.report.Words in the reader's language, from the catalogue (the domain writes English only)."""
    from events.report import Words
    from events.schema import CATEGORIES

    return Words(
        categories={c: t(lang, f"ex.csv.category.{c}") for c in CATEGORIES},
        sides={"offer": t(lang, "ex.csv.offer"), "need": t(lang, "ex.csv.need")},
        estimate_label=t(lang, "ex.estimate_label"),
        estimate_column=t(lang, "ex.csv.estimate_column"),
        summary_head=tuple(t(lang, "ex.csv.summary_head").split(",")),
        agreements_head=tuple(t(lang, "ex.csv.agreements_head").split(",")),
        catalogue_head=tuple(t(lang, "ex.csv.catalogue_head").split(",")),
    )
