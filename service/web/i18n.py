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
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_day_names
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import Translations

OSLO = ZoneInfo("Europe/Oslo")
LANGS = ("nb", "en")
DEFAULT_LANG = "nb"
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


def pick_lang(value: str | None) -> str:
    return value if value in LANGS else DEFAULT_LANG


def t(lang: str, key: str, **kw: Any) -> str:
    """The phrase for `key`; English, then the key itself, when a language lacks it."""
    text = translations(pick_lang(lang)).gettext(key)
    return text.format(**kw) if kw else text


def has(key: str) -> bool:
    """Whether the Bokmål catalogue has `key` (for messages whose kind is chosen at run time)."""
    return translations(DEFAULT_LANG).gettext(key) != key


def N_(key: str) -> str:  # noqa: N802 - gettext's name for "mark for extraction, translate later"
    """Marks a key that is looked up at run time, so `pybabel extract` keeps it in the catalogues."""
    return key


# Keys composed at run time from domain values (`_('state.' ~ p.state)`, `t(lang, f"rule.{r}")`):
# listed here so extraction sees them. tests/service/web/test_catalogue.py checks each family
# against the domain's own list of values.
RUNTIME_KEYS = (
    # matcher.rules.RULE_NAMES
    N_("rule.E1"), N_("rule.E2"), N_("rule.E3"), N_("rule.E4"), N_("rule.E5"), N_("rule.E6"), N_("rule.E7"),
    N_("rule.E8"), N_("rule.E9"), N_("rule.C1"), N_("rule.C2"), N_("rule.C3"),
    # the at-risk list's one rule from outside the matcher: missed in a row (service/register/attendance.py)
    N_("rule.attendance"), N_("atrisk.missed_in_a_row"),
    # at-risk codes (matcher.commitments, matcher.constraints.week_break): atrisk.<code>
    N_("atrisk.training-missing"), N_("atrisk.training-expires"), N_("atrisk.not-available"),
    N_("atrisk.away-at-start"), N_("atrisk.not-willing"), N_("atrisk.agreements-missing"),
    N_("atrisk.under-age"), N_("atrisk.police-certificate"), N_("atrisk.language"), N_("atrisk.too-far"),
    N_("atrisk.forbidden"), N_("atrisk.over-headcount"), N_("atrisk.over-assignments"),
    N_("atrisk.over-hours"), N_("atrisk.overlap"),
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
    N_("atrisk.reason.no_show"), N_("atrisk.reason.should_end"), N_("atrisk.reason.followup_overdue"),
    N_("site.report_sent.no_show"), N_("site.report_sent.should_end"),
    N_("site.reported.no_show"), N_("site.reported.should_end"),
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


def weekday(lang: str, iso_day: int, width: str = "wide") -> str:
    """The name of an ISO weekday (1 = Monday): 'mandag' / 'Monday'; width 'abbreviated' for 'man.' / 'Mon'."""
    return str(get_day_names(width, locale=babel_locale(lang))[int(iso_day) - 1])


def _as_date(d: dt.date | str) -> dt.date:
    if isinstance(d, str):
        d = dt.date.fromisoformat(d[:10])
    if isinstance(d, dt.datetime):
        d = d.astimezone(OSLO).date()
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
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    local = when.astimezone(OSLO)
    return t(lang, "datetime", date=date(lang, local.date()),
             time=format_time(local, "short", tzinfo=OSLO, locale=babel_locale(lang)))


def month_label(lang: str, key: str) -> str:
    """'2027-03' → 'mar. 2027' / 'Mar 2027', for chart axes."""
    year, month = key.split("-")
    return format_date(dt.date(int(year), int(month), 1), "MMM y", locale=babel_locale(lang))


def today_oslo() -> dt.date:
    return dt.datetime.now(OSLO).date()


def volunteers_phrase(lang: str, n: int) -> str:
    return t(lang, "volunteers.one") if n == 1 else t(lang, "volunteers.many", n=n)


def rule_name(lang: str, rule: str) -> str:
    return t(lang, f"rule.{rule}")


def at_risk_text(lang: str, entry: dict[str, Any]) -> str:
    """A placement at risk in plain words, from its code and facts (`data`), saying what to do.

    English is the matcher's own sentence. A code without a phrase here falls back to the
    rule's name and the date; the page shows the matcher's English sentence beneath it.
    """
    code = str(entry.get("code") or "")
    data = entry.get("data") or {}
    if lang == "en":
        return str(entry.get("message", ""))
    if has_at_risk_phrase(lang, code):
        try:
            return t(lang, f"atrisk.{code}", **{k: _at_risk_value(lang, v) for k, v in data.items()})
        except (KeyError, ValueError, IndexError):
            pass  # a code whose facts changed shape: the rule's name below still says enough
    text = t(lang, "atrisk.rule", rule=entry.get("rule", "?"), name=rule_name(lang, str(entry.get("rule", "?"))))
    if entry.get("date"):
        text += ", " + t(lang, "atrisk.from", date=date(lang, entry["date"]))
    return text


def has_at_risk_phrase(lang: str, code: str | None) -> bool:
    return lang == "en" or (bool(code) and has(f"atrisk.{code}"))


_ISO_DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


def _at_risk_value(lang: str, value: Any) -> str:
    if isinstance(value, str) and _ISO_DATE.match(value):
        return date(lang, value)
    if isinstance(value, float):
        return number(lang, value)
    if isinstance(value, list):
        return and_list(lang, value)
    return str(value)


def reason_text(lang: str, reason: dict[str, Any], *, site: str = "", activity: str = "") -> str:
    """One match reason in plain words, from its code and data."""
    code = reason.get("code", "")
    data = reason.get("data") or {}
    english = str(reason.get("text", ""))
    if lang == "en":
        if code == "travel" and "km" in data:
            return t(lang, "reason.travel", km=number(lang, float(data["km"])))
        return english[:1].upper() + english[1:]
    if code == "priority" and "priority" in data:
        return t(lang, "reason.priority", p=data["priority"])
    if code == "eligible":
        return t(lang, "reason.eligible")
    if code == "pinned":
        return t(lang, "reason.pinned")
    if code == "interests":
        return t(lang, "reason.interests", shared=and_list(lang, data.get("shared", [])))
    if code == "continuity":
        if data.get("same_activity"):
            return t(lang, "reason.continuity_activity", activity=activity.lower() or "?", site=site or "?")
        return t(lang, "reason.continuity_site", site=site or "?")
    if code == "travel" and "km" in data:
        return t(lang, "reason.travel", km=number(lang, float(data["km"])))
    if code == "previous":
        return t(lang, "reason.previous")
    return english


_EN_DAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")
_COUNTED = re.compile(r"^(\d+) volunteers? (.*)$", re.DOTALL)
_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    ("E1", re.compile(r"^would qualify if they took on (?P<activity>.+)$"), N_("miss.E1")),
    ("E2", re.compile(r"^would qualify once the agreement"), N_("miss.E2")),
    ("E3", re.compile(r"^would qualify with a valid (?P<training>.+)$"), N_("miss.E3")),
    ("E4", re.compile(r"^would qualify but (?:is|are) under (?P<age>\d+)"), N_("miss.E4")),
    ("E5", re.compile(r"^would qualify with a police certificate"), N_("miss.E5")),
    ("E6", re.compile(r"^(?:is|are) away (?P<start>\d{4}-\d\d-\d\d) – (?P<end>\d{4}-\d\d-\d\d)"), N_("miss.E6.away")),
    ("E6", re.compile(r"^(?:is|are) not available on (?P<day>\w+) \(the need is (?P<times>[^)]+)\)"), N_("miss.E6.day")),
    ("E6", re.compile(r"^(?:is|are) available (?P<day>\w+) but only until (?P<t>[\d:]+) \(the need is (?P<times>[^)]+)\)"),
     N_("miss.E6.until")),
    ("E6", re.compile(r"^(?:is|are) available (?P<day>\w+) but only from (?P<t>[\d:]+) \(the need is (?P<times>[^)]+)\)"),
     N_("miss.E6.from")),
    ("E6", re.compile(r"^(?:is|are) not available at the need's times"), N_("miss.E6")),
    ("E7", re.compile(r"^would qualify but (?:speaks|speak) none of (?P<langs>.+)$"), N_("miss.E7")),
    ("E8", re.compile(r"^would qualify but (?:lives|live) beyond"), N_("miss.E8")),
    ("E9", re.compile(r"^would qualify but (?:was|were) rejected"), N_("miss.E9")),
    ("C2", re.compile(r"^would qualify but (?:has|have) too few weekly hours left \((?P<h>[\d.]+) h needed\)"), N_("miss.C2")),
]


def _fix(lang: str, key: str, value: str) -> str:
    if key == "day" and value in _EN_DAYS:
        return weekday(lang, _EN_DAYS.index(value) + 1)
    if key in ("start", "end"):
        return short_date(lang, value)
    if key == "h":
        return number(lang, float(value))
    return value


def _predicate(lang: str, rule: str, predicate: str) -> str | None:
    for r, pattern, key in _PATTERNS:
        if r != rule:
            continue
        m = pattern.match(predicate)
        if m:
            return t(lang, key, **{k: _fix(lang, k, v) for k, v in m.groupdict().items()})
    return None


def near_miss_text(lang: str, miss: dict[str, Any]) -> str:
    """'3 volunteers would qualify with a valid Demensopplæring' → '3 frivillige ville kvalifisert med gyldig …'."""
    english = str(miss.get("text", ""))
    if lang == "en":
        return english
    m = _COUNTED.match(english)
    if not m:
        return english
    said = _predicate(lang, str(miss.get("rule", "")), m.group(2))
    if said is None:
        return english
    count = int(miss.get("count") or m.group(1))
    if lang == "nb" and count != 1:
        said = re.sub(r"\btilgjengelig\b", "tilgjengelige", said)  # the adjective agrees with the plural
    return f"{volunteers_phrase(lang, count)} {said}"


def unfilled_summary(lang: str, reasons: dict[str, Any], *, activity: str = "") -> str:
    english = str(reasons.get("summary", ""))
    if lang == "en":
        return english[:1].upper() + english[1:]
    head = english.split("; nearest miss:")[0]
    if head.startswith("the need has no occurrence"):
        return t(lang, "summary.no_occurrence")
    if head.startswith("no volunteer is willing"):
        return t(lang, "summary.unwilling", activity=activity or head.rsplit(" ", 1)[-1])
    m = re.match(r"^no volunteer meets every rule; of (\d+) willing, the most common obstacle is: .* \((\d+)\)$", head)
    if m:
        excluded = reasons.get("excluded") or []
        rule = next((e["rule"] for e in excluded if e.get("text") and e["text"] in head), None)
        name = rule_name(lang, rule) if rule else head.split("obstacle is: ")[1].rsplit(" (", 1)[0]
        return t(lang, "summary.none_eligible", willing=m.group(1), rule=name, n=m.group(2))
    m = re.match(r"^(\d+) volunteers? meets? every rule", head)
    if m:
        return t(lang, "summary.elsewhere", vols=volunteers_phrase(lang, int(m.group(1))))
    return english


_WHY: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^takes at most (?P<n>\d+) assignment"), N_("why.cap")),
    (re.compile(r"^this need would overlap"), N_("why.overlap")),
    (re.compile(r"^this need would take them over (?P<h>[\d.]+) hours"), N_("why.hours")),
    (re.compile(r"^the plan as a whole"), N_("why.plan")),
]


def elsewhere_text(lang: str, item: dict[str, Any], need_titles: dict[str, str]) -> str:
    english = str(item.get("text", ""))
    if lang == "en":
        return english
    if english.startswith("meets every rule but is not placed"):
        return t(lang, "elsewhere.unplaced")
    m = re.match(r"^placed at .* \((?P<id>[^,]+), priority (?P<p>\d)\) instead: (?P<why>.*)$", english, re.DOTALL)
    if not m:
        return english
    why = m.group("why")
    for pattern, key in _WHY:
        w = pattern.match(why)
        if w:
            why = t(lang, key, **{k: _fix(lang, k, v) for k, v in w.groupdict().items()})
            break
    title = need_titles.get(str(item.get("need") or m.group("id")), m.group("id"))
    return t(lang, "elsewhere.placed", title=title, p=m.group("p"), why=why)
