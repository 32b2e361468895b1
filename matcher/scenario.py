"""Reading a scenario: decoding, then the checks that need the whole document.

Every problem is reported with its place (`needs[3].activity: 'x' is not in the
activity catalogue`), all of them at once, so a coordinator can fix a file in one go.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import msgspec

from matcher.schema import Scenario


class Issue(str):
    """One problem with its place: reads as `path: message` (what the CLI prints), and carries the
    place, a stable `code` and its facts (`data`) apart, so no one has to parse the sentence back.

    Codes: duplicate-id, end-before-start, unknown-training, unknown-activity, unknown-site,
    unknown-volunteer, unknown-need, expires-before-completed, shown-before-issued, once-or-weekly,
    weekly-without-slots, until-before-from, weekly-fields-on-once, invalid-value (the decoder's
    type and range checks), invalid-json, unreadable.
    """

    path: str
    message: str
    code: str
    data: dict[str, Any]

    def __new__(cls, path: str, message: str, code: str, **data: Any) -> Issue:
        self = super().__new__(cls, f"{path}: {message}" if path else message)
        self.path, self.message, self.code, self.data = path, message, code, data
        return self


class ScenarioError(ValueError):
    """The input is not a valid scenario; `errors` lists each problem with its place."""

    def __init__(self, errors: Sequence[str]):
        self.errors = list(errors)
        super().__init__("\n".join(errors))


_decoder = msgspec.json.Decoder(Scenario)
_AT = re.compile(r"^(?P<msg>.*) - at `\$(?P<path>[^`]*)`$")
_BYTE = re.compile(r"\(byte (\d+)\)")


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def describe_decode_error(exc: Exception, data: bytes) -> Issue:
    """A msgspec error as an Issue reading `path: message`, or `line L, column C: message`.

    msgspec says where in its own message (`… - at `$.needs[0].site``); this is the one place
    that reads it, at the edge where the library hands it over."""
    text = str(exc)
    m = _AT.match(text)
    if m:
        path = m.group("path").lstrip(".")
        return Issue(path or "(document)", m.group("msg"), "invalid-value", field=path)
    if "truncated" in text:  # msgspec gives no offset here: the file ends too early
        line, col = _line_col(data, len(data))
        return Issue(f"line {line}, column {col}", "not valid JSON (the file ends in the middle of a value)",
                     "invalid-json", line=line, column=col)
    b = _BYTE.search(text)
    if b:
        line, col = _line_col(data, int(b.group(1)))
        return Issue(f"line {line}, column {col}", f"not valid JSON ({_BYTE.sub('', text).strip()})",
                     "invalid-json", line=line, column=col)
    return Issue("(document)", text, "invalid-value", field="")


def decode_scenario(data: bytes | str) -> Scenario:
    """Decode and check a scenario; raise ScenarioError naming every problem."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        scenario = _decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ScenarioError([describe_decode_error(exc, raw)]) from None
    errors = check_scenario(scenario)
    if errors:
        raise ScenarioError(errors)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read the file ({exc.strerror})"]) from None
    return decode_scenario(data)


def _ids(items: Iterable[object], where: str, errors: list[Issue]) -> set[str]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        ident = item.id  # type: ignore[attr-defined]
        if ident in seen:
            errors.append(Issue(f"{where}[{i}].id", f"duplicate id {ident!r}", "duplicate-id", value=ident))
        seen.add(ident)
    return seen


# Dates a municipality can mean (msgspec has no date bounds): the format's fixed range, and a horizon
# of at most five years (the model grows with its days and weeks).
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)
MAX_HORIZON_DAYS = 5 * 366


@functools.cache
def _field_names(cls: type[msgspec.Struct]) -> tuple[tuple[str, str], ...]:
    """(attribute, JSON name) of a struct type's fields, looked up once per type: msgspec builds
    them from the annotations on every call (7 s for a 2000 × 500 register before this cache)."""
    return tuple((f.name, f.encode_name) for f in msgspec.structs.fields(cls))


def dates_in(value: object, where: str = "") -> Iterable[tuple[str, dt.date]]:
    """Every date inside a struct, with its place (`volunteers[3].trainings[0].completed`)."""
    if isinstance(value, dt.date):
        yield where, value
    elif isinstance(value, msgspec.Struct):
        for name, encoded in _field_names(type(value)):
            yield from dates_in(getattr(value, name), f"{where}.{encoded}" if where else encoded)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from dates_in(item, f"{where}[{i}]")


def date_errors(value: object, where: str = "", earliest: dt.date = EARLIEST,
                latest: dt.date = LATEST) -> list[Issue]:
    return [Issue(place, f"{day.isoformat()} is outside {earliest.isoformat()} … {latest.isoformat()}",
                  "date-out-of-range", value=day.isoformat())
            for place, day in dates_in(value, where) if not earliest <= day <= latest]


def _slot_errors(slots: Iterable[object], where: str, errors: list[Issue], *, whole_day: bool = False) -> None:
    """A slot whose end equals its start is refused; an availability window 00:00–00:00 is the whole day."""
    for k, slot in enumerate(slots):
        if slot.start == slot.end and not (whole_day and slot.start in ("00:00", "24:00")):  # type: ignore[attr-defined]
            errors.append(Issue(f"{where}[{k}].end", "the end equals the start (an end before the start runs past"
                                " midnight; 00:00–00:00 is a whole day of availability)", "end-equals-start"))


def ensure_valid(s: Scenario) -> None:
    """Refuse a scenario built in code (not decoded) whose values are out of the format's ranges or
    fail its checks, naming the field: no stored value can break a run. Raises ScenarioError."""
    try:
        msgspec.convert(msgspec.to_builtins(s), Scenario)
    except msgspec.ValidationError as exc:
        raise ScenarioError([describe_decode_error(exc, b"")]) from None
    errors = check_scenario(s)
    if errors:
        raise ScenarioError(errors)


def check_scenario(s: Scenario) -> list[Issue]:
    """The checks msgspec cannot do alone: unique ids, references, ordered dates, date ranges."""
    errors: list[Issue] = date_errors(s)
    if s.horizon.end < s.horizon.start:
        errors.append(Issue("horizon.end", "the end is before the start", "end-before-start"))
    elif (s.horizon.end - s.horizon.start).days > MAX_HORIZON_DAYS:
        errors.append(Issue("horizon.end", f"the horizon is longer than {MAX_HORIZON_DAYS} days", "horizon-too-long"))
    trainings = _ids(s.trainings, "trainings", errors)
    activities = _ids(s.activities, "activities", errors)
    sites = _ids(s.sites, "sites", errors)
    volunteers = _ids(s.volunteers, "volunteers", errors)
    needs = _ids(s.needs, "needs", errors)

    def training_refs(refs: list[str], where: str) -> None:
        for k, t in enumerate(refs):
            if t not in trainings:
                errors.append(Issue(f"{where}[{k}]", f"{t!r} is not a known training", "unknown-training", value=t))

    for i, a in enumerate(s.activities):
        training_refs(a.requires_training, f"activities[{i}].requires_training")

    for i, v in enumerate(s.volunteers):
        w = f"volunteers[{i}]"
        _slot_errors(v.availability, f"{w}.availability", errors, whole_day=True)
        for k, act_id in enumerate(v.activities):
            if act_id not in activities:
                errors.append(Issue(f"{w}.activities[{k}]", f"{act_id!r} is not in the activity catalogue",
                                    "unknown-activity", value=act_id))
        for k, t in enumerate(v.trainings):
            if t.training not in trainings:
                errors.append(Issue(f"{w}.trainings[{k}].training", f"{t.training!r} is not a known training",
                                    "unknown-training", value=t.training))
            if t.expires is not None and t.expires < t.completed:
                errors.append(Issue(f"{w}.trainings[{k}].expires", "expires before it was completed",
                                    "expires-before-completed"))
        for k, p in enumerate(v.unavailable):
            if p.to < p.from_:
                errors.append(Issue(f"{w}.unavailable[{k}].to", "the period ends before it starts", "end-before-start"))
        if v.police_certificate is not None and v.police_certificate.shown < v.police_certificate.issued:
            errors.append(Issue(f"{w}.police_certificate.shown", "shown before it was issued", "shown-before-issued"))
        for k, h in enumerate(v.history):
            if h.site not in sites:
                errors.append(Issue(f"{w}.history[{k}].site", f"{h.site!r} is not a known site",
                                    "unknown-site", value=h.site))
            if h.activity not in activities:
                errors.append(Issue(f"{w}.history[{k}].activity", f"{h.activity!r} is not in the activity catalogue",
                                    "unknown-activity", value=h.activity))

    for i, n in enumerate(s.needs):
        w = f"needs[{i}]"
        if n.site not in sites:
            errors.append(Issue(f"{w}.site", f"{n.site!r} is not a known site", "unknown-site", value=n.site))
        if n.activity not in activities:
            errors.append(Issue(f"{w}.activity", f"{n.activity!r} is not in the activity catalogue",
                                "unknown-activity", value=n.activity))
        training_refs(n.requires_training, f"{w}.requires_training")
        _slot_errors(n.weekly or [], f"{w}.weekly", errors)
        if n.once is not None and n.once.start == n.once.end:
            errors.append(Issue(f"{w}.once.end", "the end equals the start", "end-equals-start"))
        if (n.weekly is None) == (n.once is None):
            errors.append(Issue(f"{w}", "give exactly one of 'weekly' and 'once'", "once-or-weekly"))
        elif n.weekly is not None:
            if not n.weekly:
                errors.append(Issue(f"{w}.weekly", "a weekly need has at least one slot", "weekly-without-slots"))
            if n.from_ is not None and n.until is not None and n.until < n.from_:
                errors.append(Issue(f"{w}.until", "'until' is before 'from'", "until-before-from"))
        elif n.from_ is not None or n.until is not None:
            errors.append(Issue(f"{w}", "'from' and 'until' belong to weekly needs, not to a 'once' need",
                                "weekly-fields-on-once"))

    for name in ("pinned", "forbidden", "previous", "committed"):
        for k, p in enumerate(getattr(s, name)):
            if p.volunteer not in volunteers:
                errors.append(Issue(f"{name}[{k}].volunteer", f"{p.volunteer!r} is not a known volunteer",
                                    "unknown-volunteer", value=p.volunteer))
            if p.need not in needs:
                errors.append(Issue(f"{name}[{k}].need", f"{p.need!r} is not a known need", "unknown-need",
                                    value=p.need))
    return errors
