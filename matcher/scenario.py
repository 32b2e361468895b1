"""Reading a scenario: decoding, then the checks that need the whole document.

Every problem is reported with its place (`needs[3].activity: 'x' is not in the
activity catalogue`), all of them at once, so a coordinator can fix a file in one go.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import operator
import re
import weakref
from collections.abc import Iterable, Iterator, Sequence
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


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Decoding a register makes hundreds of thousands of containers; the cyclic collector would scan
    them over and over (a third to a half of the decoding time) and find nothing to collect."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def decode_scenario(data: bytes | str) -> Scenario:
    """Decode and check a scenario; raise ScenarioError naming every problem."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        with gc_paused():
            scenario = _decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ScenarioError([describe_decode_error(exc, raw)]) from None
    errors = check_scenario(scenario)
    if errors:
        raise ScenarioError(errors)
    _remember_valid(scenario)
    return scenario


def in_canonical_order(s: Scenario) -> Scenario:
    """The scenario with its lists in one order: the catalogues, volunteers and needs by id, the forbidden,
    previous and committed pairs by volunteer and need. The solver's columns follow these lists, and among
    plans of the same worth the one it returns depends on the order of its columns: in this order, a
    register listed in any order gets the same plan (a file exported again, a database that returns its
    rows in another order). Not the pins: they are settled in the order given (C4), which is the
    coordinator's."""
    by_id = operator.attrgetter("id")
    by_pair = operator.attrgetter("volunteer", "need")
    return msgspec.structs.replace(
        s,
        trainings=sorted(s.trainings, key=by_id),
        activities=sorted(s.activities, key=by_id),
        sites=sorted(s.sites, key=by_id),
        volunteers=sorted(s.volunteers, key=by_id),
        needs=sorted(s.needs, key=by_id),
        forbidden=sorted(s.forbidden, key=by_pair),
        previous=sorted(s.previous, key=by_pair),
        committed=sorted(s.committed, key=by_pair),
    )


# Scenarios known to be valid (decoded and checked, or passed through `ensure_valid`), so the solver's
# own `ensure_valid` does not check them a second time (0.8 s of a 6 000 × 1 500 solve): keyed by
# identity, dropped when the scenario is, and trusted only while its lists are the very lists, of the
# very items, that were checked. The items are frozen; a list inside one changed in place is not
# looked at (build a new item with msgspec.structs.replace, as everywhere in samspill).
_LISTS = ("trainings", "activities", "sites", "volunteers", "needs", "pinned", "forbidden", "previous", "committed")
_valid: dict[int, tuple[weakref.ref[Scenario], tuple[object, ...]]] = {}


def _fingerprint(s: Scenario) -> tuple[object, ...]:
    return (s.horizon, s.weights, *((id(items), len(items), hash(tuple(map(id, items))))
                                    for items in (getattr(s, name) for name in _LISTS)))


def _remember_valid(s: Scenario) -> None:
    key = id(s)
    _valid[key] = (weakref.ref(s, lambda _: _valid.pop(key, None)), _fingerprint(s))


def _known_valid(s: Scenario) -> bool:
    entry = _valid.get(id(s))
    if entry is None or entry[0]() is not s:
        return False
    before = entry[1]
    now = _fingerprint(s)
    return len(before) == len(now) and all(a is b or a == b for a, b in zip(before, now, strict=True))


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
def _date_fields(cls: type[msgspec.Struct]) -> tuple[tuple[str, str], ...]:
    """(attribute, JSON name) of the fields of a struct type that can hold a date, directly or inside a
    struct or list, looked up once per type: the walk skips the rest (names, slots, ids), which are most
    of a register (msgspec builds field lists from the annotations on every call: 7 s for a 2000 × 500
    register before this cache; walking every field, 0.6 s for 6 000 × 1 500)."""
    import msgspec.inspect

    try:
        fields = msgspec.inspect.type_info(cls).fields  # type: ignore[attr-defined]
    except Exception:  # a type msgspec cannot describe: walk every field
        return tuple((f.name, f.encode_name) for f in msgspec.structs.fields(cls))
    return tuple((f.name, f.encode_name) for f in fields if _may_hold_date(f.type, set()))


def _may_hold_date(t: Any, seen: set[type]) -> bool:
    import msgspec.inspect as mi
    if isinstance(t, mi.DateType | mi.DateTimeType | mi.AnyType | mi.CustomType):
        return True
    if isinstance(t, mi.StructType | mi.DataclassType | mi.TypedDictType | mi.NamedTupleType):
        if t.cls in seen:
            return False  # a recursive type: its other fields decide
        seen.add(t.cls)
        return any(_may_hold_date(f.type, seen) for f in t.fields)
    if isinstance(t, mi.UnionType):
        return any(_may_hold_date(x, seen) for x in t.types)
    if isinstance(t, mi.TupleType):
        return any(_may_hold_date(x, seen) for x in t.item_types)
    if isinstance(t, mi.DictType | mi.FrozenDictType):
        return _may_hold_date(t.key_type, seen) or _may_hold_date(t.value_type, seen)
    if isinstance(t, mi.Metadata):
        return _may_hold_date(t.type, seen)
    item = getattr(t, "item_type", None)  # lists, sets, variadic tuples
    return item is not None and _may_hold_date(item, seen)


def dates_in(value: object, where: str = "") -> Iterable[tuple[str, dt.date]]:
    """Every date inside a struct, with its place (`volunteers[3].trainings[0].completed`)."""
    if isinstance(value, dt.date):
        yield where, value
    elif isinstance(value, msgspec.Struct):
        for name, encoded in _date_fields(type(value)):
            yield from dates_in(getattr(value, name), f"{where}.{encoded}" if where else encoded)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from dates_in(item, f"{where}[{i}]")


def _bare_dates(value: object, out: list[dt.date]) -> None:
    """`dates_in` without building the places: the common case, where every date is in range.
    (Dates, empty fields and lists are handled in line: a call per struct, not per field.)"""
    if isinstance(value, dt.date):
        out.append(value)
    elif isinstance(value, msgspec.Struct):
        for name, _ in _date_fields(type(value)):
            field = getattr(value, name)
            if field is None:
                continue
            if isinstance(field, dt.date):
                out.append(field)
            elif isinstance(field, list):
                for item in field:
                    _bare_dates(item, out)
            else:
                _bare_dates(field, out)
    elif isinstance(value, list):
        for item in value:
            _bare_dates(item, out)


def date_errors(value: object, where: str = "", earliest: dt.date = EARLIEST,
                latest: dt.date = LATEST) -> list[Issue]:
    days: list[dt.date] = []
    _bare_dates(value, days)
    if all(earliest <= day <= latest for day in days):
        return []
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
    fail its checks, naming the field: no stored value can break a run. Raises ScenarioError.
    A scenario `decode_scenario` returned, or one that passed here before, unchanged, is not checked
    again."""
    if _known_valid(s):
        return
    try:
        msgspec.convert(msgspec.to_builtins(s), Scenario)
    except msgspec.ValidationError as exc:
        raise ScenarioError([describe_decode_error(exc, b"")]) from None
    errors = check_scenario(s)
    if errors:
        raise ScenarioError(errors)
    _remember_valid(s)


def check_decoded(s: Scenario) -> list[Issue]:
    """`check_scenario` for a scenario whose every value msgspec has validated (decoded from JSON, or
    converted from builtins and structs it decoded); without issues, `ensure_valid` trusts it from
    then on. A scenario built from structs made in code must go through `ensure_valid` instead."""
    errors = check_scenario(s)
    if not errors:
        _remember_valid(s)
    return errors


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
