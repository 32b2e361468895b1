"""Reading a scenario: decoding, then the checks that need the whole document.

Every problem is reported with its place (`needs[3].activity: 'x' is not in the
activity catalogue`), all of them at once, so a coordinator can fix a file in one go.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import msgspec

from matcher.schema import Scenario


class ScenarioError(ValueError):
    """The input is not a valid scenario; `errors` lists each problem with its place."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("\n".join(errors))


_decoder = msgspec.json.Decoder(Scenario)
_AT = re.compile(r"^(?P<msg>.*) - at `\$(?P<path>[^`]*)`$")
_BYTE = re.compile(r"\(byte (\d+)\)")


def _line_col(data: bytes, offset: int) -> tuple[int, int]:
    before = data[:offset]
    line = before.count(b"\n") + 1
    col = offset - (before.rfind(b"\n") + 1) + 1
    return line, col


def describe_decode_error(exc: Exception, data: bytes) -> str:
    """Turn a msgspec error into `path: message`, or `line L, column C: message`."""
    text = str(exc)
    m = _AT.match(text)
    if m:
        path = m.group("path").lstrip(".")
        return f"{path or '(document)'}: {m.group('msg')}"
    if "truncated" in text:  # msgspec gives no offset here: the file ends too early
        line, col = _line_col(data, len(data))
        return f"line {line}, column {col}: not valid JSON (the file ends in the middle of a value)"
    b = _BYTE.search(text)
    if b:
        line, col = _line_col(data, int(b.group(1)))
        return f"line {line}, column {col}: not valid JSON ({_BYTE.sub('', text).strip()})"
    return f"(document): {text}"


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


def _ids(items: Iterable[object], where: str, errors: list[str]) -> set[str]:
    seen: set[str] = set()
    for i, item in enumerate(items):
        ident = item.id  # type: ignore[attr-defined]
        if ident in seen:
            errors.append(f"{where}[{i}].id: duplicate id {ident!r}")
        seen.add(ident)
    return seen


def check_scenario(s: Scenario) -> list[str]:
    """The checks msgspec cannot do alone: unique ids, references, ordered dates."""
    errors: list[str] = []
    if s.horizon.end < s.horizon.start:
        errors.append("horizon.end: the end is before the start")
    trainings = _ids(s.trainings, "trainings", errors)
    activities = _ids(s.activities, "activities", errors)
    sites = _ids(s.sites, "sites", errors)
    volunteers = _ids(s.volunteers, "volunteers", errors)
    needs = _ids(s.needs, "needs", errors)

    def training_refs(refs: list[str], where: str) -> None:
        for k, t in enumerate(refs):
            if t not in trainings:
                errors.append(f"{where}[{k}]: {t!r} is not a known training")

    for i, a in enumerate(s.activities):
        training_refs(a.requires_training, f"activities[{i}].requires_training")

    for i, v in enumerate(s.volunteers):
        w = f"volunteers[{i}]"
        for k, a in enumerate(v.activities):
            if a not in activities:
                errors.append(f"{w}.activities[{k}]: {a!r} is not in the activity catalogue")
        for k, t in enumerate(v.trainings):
            if t.training not in trainings:
                errors.append(f"{w}.trainings[{k}].training: {t.training!r} is not a known training")
            if t.expires is not None and t.expires < t.completed:
                errors.append(f"{w}.trainings[{k}].expires: expires before it was completed")
        for k, p in enumerate(v.unavailable):
            if p.to < p.from_:
                errors.append(f"{w}.unavailable[{k}].to: the period ends before it starts")
        if v.police_certificate is not None and v.police_certificate.shown < v.police_certificate.issued:
            errors.append(f"{w}.police_certificate.shown: shown before it was issued")
        for k, h in enumerate(v.history):
            if h.site not in sites:
                errors.append(f"{w}.history[{k}].site: {h.site!r} is not a known site")
            if h.activity not in activities:
                errors.append(f"{w}.history[{k}].activity: {h.activity!r} is not in the activity catalogue")

    for i, n in enumerate(s.needs):
        w = f"needs[{i}]"
        if n.site not in sites:
            errors.append(f"{w}.site: {n.site!r} is not a known site")
        if n.activity not in activities:
            errors.append(f"{w}.activity: {n.activity!r} is not in the activity catalogue")
        training_refs(n.requires_training, f"{w}.requires_training")
        if (n.weekly is None) == (n.once is None):
            errors.append(f"{w}: give exactly one of 'weekly' and 'once'")
        elif n.weekly is not None:
            if not n.weekly:
                errors.append(f"{w}.weekly: a weekly need has at least one slot")
            if n.from_ is not None and n.until is not None and n.until < n.from_:
                errors.append(f"{w}.until: 'until' is before 'from'")
        elif n.from_ is not None or n.until is not None:
            errors.append(f"{w}: 'from' and 'until' belong to weekly needs, not to a 'once' need")

    for name in ("pinned", "forbidden", "previous", "committed"):
        for k, p in enumerate(getattr(s, name)):
            if p.volunteer not in volunteers:
                errors.append(f"{name}[{k}].volunteer: {p.volunteer!r} is not a known volunteer")
            if p.need not in needs:
                errors.append(f"{name}[{k}].need: {p.need!r} is not a known need")
    return errors
