"""Form fields ↔ register documents, and problem details → a message beside each field.

The pages post plain HTML forms; this module turns them into the same documents the API
takes (scenario format), so the register services validate them once, in one place. When a
service refuses, `field_errors` maps its `errors` (field paths such as `availability[1].end`)
onto the form's input names, and the page is rendered again with what was typed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from litestar.datastructures import FormMultiDict

from service.problems import Problem
from service.web import i18n

SLOT_ROWS_EXTRA = 3
PERIOD_ROWS_EXTRA = 2
_INDEXED = re.compile(r"^(?P<name>[a-z_]+)\[(?P<i>\d+)\](?:\.(?P<sub>[a-z_]+))?")


class FormValues(dict[str, Any]):
    """What the user typed, to put back into the form after a refused save."""


def values_of(form: FormMultiDict) -> FormValues:
    out = FormValues()
    for key in form:
        vals = form.getall(key)
        out[key] = vals if len(vals) > 1 or key in MULTI else vals[0]
    return out


MULTI = {"activities", "requires_training", "availability_cell"}


def text(form: FormMultiDict, name: str) -> str:
    return str(form.get(name) or "").strip()


def whole_number(raw: object) -> int | None:
    """A whole number as typed in a form field: ASCII digits, with spaces around it or between its
    thousands ("1 000", a no-break or thin space too); None for anything else. Not `str.isdigit`: it is
    true of "²" and "٣", which `int` then refuses or reads (a "²" was a 500 where the form says what to fix)."""
    s = re.sub(r"\s", "", str(raw))
    return int(s) if s.isascii() and s.isdigit() else None


def words(form: FormMultiDict, name: str) -> list[str]:
    """A comma-separated list field: 'sjakk, hagearbeid' → ['sjakk', 'hagearbeid']."""
    return [w.strip() for w in text(form, name).split(",") if w.strip()]


class FieldProblems:
    """Collects parse errors before the service is called (a date that is not a date)."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def date(self, form: FormMultiDict, name: str, field: str | None = None) -> dt.date | None:
        raw = text(form, name)
        if not raw:
            return None
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            self.errors.append({"field": field or name, "message": "not a date"})
            return None

    def required_date(self, form: FormMultiDict, name: str, field: str | None = None) -> dt.date | None:
        """As `date`, and `required` (named `field`, else `name`) where the field is blank."""
        day = self.date(form, name, field)
        if day is None and not any(e["field"] == (field or name) for e in self.errors):
            self.errors.append({"field": field or name, "message": "required"})
        return day

    def number(self, form: FormMultiDict, name: str, *, integer: bool = False) -> float | int | None:
        raw = text(form, name).replace(",", ".")
        if not raw:
            return None
        try:
            value = int(raw) if integer else float(raw)
        except ValueError:
            value = None
        if value is None or not math.isfinite(value):  # "nan" and "inf" are floats to Python, no number here
            self.errors.append({"field": name, "message": "not a number"})
            return None
        return value

    def raise_if_any(self) -> None:
        if self.errors:
            raise Problem(422, "; ".join(f"{e['field']}: {e['message']}" for e in self.errors), slug="validation",
                          errors=self.errors)


def slots(form: FormMultiDict, prefix: str, fp: FieldProblems) -> list[dict[str, Any]]:
    """Weekly rows `{prefix}_day_N`, `{prefix}_start_N`, `{prefix}_end_N`; blank rows are skipped.

    An end not after the start runs past midnight (the scenario format's rule), so 22:00–02:00 on a
    Friday is one slot into Saturday morning.
    """
    out: list[dict[str, Any]] = []
    for i in range(60):
        day, start, end = (text(form, f"{prefix}_{k}_{i}") for k in ("day", "start", "end"))
        if f"{prefix}_day_{i}" not in form and f"{prefix}_start_{i}" not in form:
            break
        if not (start or end):
            continue
        try:
            weekday = int(day)
        except ValueError:
            fp.errors.append({"field": f"{prefix}[{len(out)}].weekday", "message": "choose a day"})
            weekday = 0
        out.append({"weekday": weekday, "start": start, "end": end})
    return out


def periods(form: FormMultiDict, prefix: str, fp: FieldProblems) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(60):
        if f"{prefix}_from_{i}" not in form:
            break
        start = fp.date(form, f"{prefix}_from_{i}", f"{prefix}[{len(out)}].from")
        end = fp.date(form, f"{prefix}_to_{i}", f"{prefix}[{len(out)}].to")
        if start is None and end is None:
            continue
        out.append({"from": start.isoformat() if start else None, "to": end.isoformat() if end else None})
    return out


def slot_rows(slots_: list[dict[str, Any]], extra: int = SLOT_ROWS_EXTRA) -> list[dict[str, Any]]:
    return [*slots_, *({"weekday": "", "start": "", "end": ""} for _ in range(extra))]


def field_errors(lang: str, exc: Problem, rename: dict[str, str] | None = None) -> dict[str, str]:
    """{input name: message}; a field path `availability[1].end` becomes `availability_end_1`.

    `rename` maps the API's field names onto the form's where they differ (the end of a placement:
    `closing_conversation` is the form's `last_date`). Errors that name no field go under "" (shown at
    the top of the form).
    """
    out: dict[str, str] = {}
    items = exc.errors or [{"field": "", "message": exc.detail}]
    for e in items:
        field = (rename or {}).get(e.get("field") or "", e.get("field") or "")
        m = _INDEXED.match(field)
        if m and m.group("sub"):
            name = f"{m.group('name')}_{_SHORT.get(m.group('sub'), m.group('sub'))}_{m.group('i')}"
        elif m:
            name = m.group("name")
        else:
            name = field.split(".")[0]
        out.setdefault(name, error_text(lang, e))
    if exc.status != 422 and "" not in out:
        key = f"problem.{exc.slug}"
        said = i18n.t(lang, key)
        out[""] = said if said != key else exc.detail
    return out


_SHORT = {"weekday": "day", "start": "start", "end": "end", "from": "from", "to": "to", "issued": "issued",
          "shown": "shown", "purpose": "purpose", "lat": "lat", "lon": "lon"}

# The service's English words for common field problems, said in the page's language.
_MESSAGES = [
    (re.compile(r"not a date|Invalid date|Expected `date`"), "form.err.date"),
    (re.compile(r"not a number|Expected `(int|float)`"), "form.err.number"),
    (re.compile(r"Expected `str` of length >= 1|length >= 1|required|Object missing required field"),
     "form.err.required"),
    (re.compile(r"must match pattern|HH:MM"), "form.err.time"),
    (re.compile(r"Expected `int` >= 1"), "form.err.at_least_one"),
    (re.compile(r"Expected `(int|float)` >= 0|>= 0"), "form.err.not_negative"),
    (re.compile(r"<= 5|>= 1 and <= 5"), "form.err.priority"),
    (re.compile(r"fødselsnummer|identity number"), "form.err.fnr"),
    (re.compile(r"choose a day|Expected `int` >= 1 and <= 7|<= 7"), "form.err.day"),
    (re.compile(r"in the future"), "form.err.future"),
    (re.compile(r"before the start|before"), "form.err.order"),
]


# Problems with a stable code (problems.field_error, the register services) said from the code and its
# data rather than from the English words; dates in the data are said in the page's language.
_CODED = {
    "before-placement-start": i18n.N_("form.err.before_placement_start"),
    "in-the-future": i18n.N_("form.err.future"),
    "in-the-past": i18n.N_("form.err.in_the_past"),
    "before-start": i18n.N_("form.err.before_start"),
    "too-long-period": i18n.N_("form.err.too_long_period"),
    "far-date": i18n.N_("form.err.far_date"),
    "required": i18n.N_("form.err.required"),
    "empty": i18n.N_("form.err.required"),
    "not-a-number": i18n.N_("form.err.number"),
    "not-whole": i18n.N_("form.err.whole"),
    "not-a-date": i18n.N_("form.err.date"),
    "not-a-datetime": i18n.N_("form.err.datetime"),
    "not-a-birth-date": i18n.N_("form.err.birth_date"),
    "not-an-email": i18n.N_("form.err.email"),
    "national-id-number": i18n.N_("form.err.national_id"),
}


def error_text(lang: str, error: dict[str, Any]) -> str:
    """One entry of a problem's `errors` in the page's language: from its code where the catalogue words it,
    else from its English message."""
    return coded(lang, error) or message(lang, str(error.get("message", "")))


def coded(lang: str, error: dict[str, Any]) -> str | None:
    key = _CODED.get(error.get("code") or "")
    if key is None:
        return None
    raw = error.get("data") or {}
    if key == "form.err.before_placement_start" and raw.get("earliest") != raw.get("start"):
        key = i18n.N_("form.err.before_placement_not_begun")  # not begun yet: it can be called off from today
    data = {k: i18n.date(lang, v) if isinstance(v, str) and _ISO_DATE.match(v) else v for k, v in raw.items()}
    return i18n.t(lang, key, **data)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def message(lang: str, text_: str) -> str:
    for pattern, key in _MESSAGES:
        if pattern.search(text_):
            return i18n.t(lang, key)
    return i18n.t(lang, "form.err.other", detail=text_)
