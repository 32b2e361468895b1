"""Participants and the catalogue from CSV (the organisers keep them in a spreadsheet).

Both parsers read the whole file and return every row or every problem: the caller stores
nothing unless the list of problems is empty. Each problem names the line (1 is the header)
and the column, e.g. `line 4, kind: 'firma' is not a sector (one of …)`. Columns may be named
in English or Norwegian; comma, semicolon (Norwegian Excel) and tab separate; Norwegian labels
are accepted for sectors, sides and categories.

Each problem is a `CsvProblem`: it reads as the English sentence (what the API and CLI show) and
carries its `line`, `field` (the column's canonical name, "" for the whole line), a stable `code` and
its facts (`data`) apart, so pages render their own language from code + data (service/locale,
keys `exchange.csv.<code>`), never from the sentence.

Codes (data): empty-file; unknown-column (position, name, known); too-many-fields (fields, header);
required; unknown-kind (value, allowed); id-taken (id); duplicate-id (id, other_line);
unknown-side (value); unknown-participant (value); unknown-category (value, allowed);
not-a-number (value); hours-and-items; money (where: the field); invalid-value (detail: the decoder's words).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Set
from typing import Any, Literal, TypeAlias, cast, get_args

import msgspec

from events.schema import (
    CATEGORIES,
    CATEGORY_LABELS,
    PARTICIPANT_KINDS,
    EntrySide,
    Need,
    Offer,
    Participant,
    validate_entry_payload,
)
from matcher.scenario import Issue

PARTICIPANT_COLUMNS = {
    "id": "id", "name": "name", "navn": "name", "kind": "kind", "sektor": "kind", "type": "kind",
    "contact": "contact", "kontakt": "contact", "description": "description", "beskrivelse": "description",
}
CATALOGUE_COLUMNS = {
    "id": "id", "side": "side", "type": "side", "participant": "participant", "deltaker": "participant",
    "category": "category", "kategori": "category", "title": "title", "tittel": "title",
    "description": "description", "beskrivelse": "description", "tags": "tags", "stikkord": "tags",
    "hours": "hours", "timer": "hours", "items": "items", "enheter": "items", "antall": "items",
}
KIND_WORDS: dict[str, str] = {
    **{k: k for k in PARTICIPANT_KINDS},
    "frivillig organisasjon": "organisation", "organisasjon": "organisation", "forening": "organisation",
    "lag og forening": "organisation", "næringsliv": "business", "bedrift": "business", "offentlig": "public",
    "kommune": "public", "privatperson": "individual", "frivillig": "individual", "enkeltperson": "individual",
}
SIDE_WORDS: dict[str, EntrySide] = {"offer": "offer", "tilbud": "offer", "tilbyr": "offer", "need": "need",
                                    "behov": "need", "trenger": "need"}
CATEGORY_WORDS: dict[str, str] = {
    **{c: c for c in CATEGORIES},
    **{label.lower(): c for c, label in CATEGORY_LABELS["en"].items()},
    # the Bokmål words people write in the column (input vocabulary, not words this code shows)
    "kunnskap og ferdigheter": "knowledge", "utstyr og lokaler": "goods", "hjelp på arrangement": "event_help",
    "hender": "hands", "kunnskap": "knowledge", "utstyr": "goods", "lokaler": "goods", "arrangement": "event_help",
}


CsvCode: TypeAlias = Literal[
    "empty-file", "unknown-column", "too-many-fields", "required", "unknown-kind", "id-taken", "duplicate-id",
    "unknown-side", "unknown-participant", "unknown-category", "not-a-number", "hours-and-items", "money",
    "invalid-value",
]
CSV_CODES: tuple[str, ...] = get_args(CsvCode)
# the columns a problem can name (canonical names; pages show them in their own language)
CSV_FIELDS: tuple[str, ...] = tuple(sorted(set(PARTICIPANT_COLUMNS.values()) | set(CATALOGUE_COLUMNS.values())))

_ENGLISH: dict[str, str] = {
    "empty-file": "the file is empty (a header line and one line per row are expected)",
    "unknown-column": "{name!r} is not a known column (one of {known})",
    "too-many-fields": "{fields} fields, the header has {header}",
    "required": "required",
    "unknown-kind": "{value!r} is not a sector (one of {allowed}, or in Norwegian)",
    "id-taken": "{id!r} is already a participant at this event",
    "duplicate-id": "{id!r} is also on line {other_line}",
    "unknown-side": "{value!r} is not offer or need (tilbud or behov)",
    "unknown-participant": "{value!r} is not a participant at this event (id or name)",
    "unknown-category": "{value!r} is not a category (one of {allowed}, or in Norwegian)",
    "not-a-number": "{value!r} is not a number",
    "hours-and-items": "give hours or items, not both",
    "money": "money is never part of the exchange (remove the field {where})",
    "invalid-value": "{detail}",
}


class CsvProblem(Issue):
    """One problem of a CSV file: `line N[, field]: message` in English, with line, field, code and data."""

    line: int
    field: str

    def __new__(cls, line: int, field: str, code: CsvCode, **data: Any) -> CsvProblem:
        message = english(code, data, field)
        place = f"line {line}, column {data['position']}" if code == "unknown-column" else f"line {line}"
        self = cast(CsvProblem, super().__new__(cls, f"{place}, {field}" if field else place, message, code, **data))
        self.line, self.field = line, field
        return self


def english(code: str, data: Mapping[str, Any], field: str = "") -> str:
    """The English sentence for a problem's code and data (lists joined with commas)."""
    kw = {k: ", ".join(map(str, v)) if isinstance(v, list | tuple) else v for k, v in data.items()}
    text = _ENGLISH[code].format(**kw)
    if code == "required" and field == "contact":
        text += " (contact person, e-mail or phone)"
    return text


class ParsedEntry(msgspec.Struct, frozen=True):
    side: EntrySide
    doc: dict[str, Any]
    line: int


def _rows(text: str, columns: Mapping[str, str]) -> tuple[list[tuple[int, dict[str, str]]], list[CsvProblem]]:
    text = text.lstrip("\ufeff")
    if not text.strip():
        return [], [CsvProblem(1, "", "empty-file")]
    try:
        dialect: Any = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader)
    names = []
    problems: list[CsvProblem] = []
    for i, raw in enumerate(header):
        key = raw.strip().lower()
        if key not in columns:
            problems.append(CsvProblem(1, "", "unknown-column", position=i + 1, name=raw.strip(),
                                       known=sorted(set(columns))))
        names.append(columns.get(key, ""))
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(names):
            problems.append(CsvProblem(line, "", "too-many-fields", fields=len(values), header=len(names)))
            continue
        rows.append((line, {n: v.strip() for n, v in zip(names, values, strict=False) if n}))
    return rows, problems


def parse_participants(
    text: str, existing: Set[str] = frozenset()
) -> tuple[list[dict[str, Any]], list[CsvProblem]]:
    """Participant documents (ids optional: the store makes them), or the problems."""
    rows, problems = _rows(text, PARTICIPANT_COLUMNS)
    out = []
    seen: dict[str, int] = {}
    for line, row in rows:
        kind = KIND_WORDS.get(row.get("kind", "").lower())
        here: list[CsvProblem] = []
        if not row.get("name"):
            here.append(CsvProblem(line, "name", "required"))
        if kind is None:
            here.append(CsvProblem(line, "kind", "unknown-kind", value=row.get("kind", ""),
                                   allowed=list(PARTICIPANT_KINDS)))
        if not row.get("contact"):
            here.append(CsvProblem(line, "contact", "required"))
        pid = row.get("id") or None
        if pid is not None:
            if pid in existing:
                here.append(CsvProblem(line, "id", "id-taken", id=pid))
            elif pid in seen:
                here.append(CsvProblem(line, "id", "duplicate-id", id=pid, other_line=seen[pid]))
            seen[pid] = line
        doc = {"name": row.get("name", ""), "kind": kind, "contact": row.get("contact", ""),
               "description": row.get("description", ""), **({"id": pid} if pid else {})}
        if not here:
            try:
                msgspec.convert({**doc, "id": pid or "x"}, Participant)
            except msgspec.ValidationError as e:
                here.append(CsvProblem(line, _refused_column({**doc, "id": pid or "x"}, Participant),
                                       "invalid-value", detail=str(e)))
        problems.extend(here)
        out.append(doc)
    return out, problems


def _refused_column(doc: Mapping[str, Any], kind: type[msgspec.Struct]) -> str:
    """The column whose value the decoder refused: each field converted alone against its own type and
    bounds (never read back from the decoder's English); "" when no single field is at fault."""
    for f in msgspec.structs.fields(kind):
        if f.encode_name in doc:
            try:
                msgspec.convert(doc[f.encode_name], f.type)
            except msgspec.ValidationError:
                return f.encode_name
    return ""


def _entry_column(entry: Mapping[str, Any], side: EntrySide) -> str:
    """The CSV column of an entry's refused field (an amount's from `hours` or `items`); "" for none."""
    column = _refused_column(entry, Offer if side == "offer" else Need)
    if column == "amount":
        column = next(iter(entry.get("amount") or {}), "")
    return column if column in CATALOGUE_COLUMNS else ""


def parse_catalogue(
    text: str, participants: Mapping[str, str]
) -> tuple[list[ParsedEntry], list[CsvProblem]]:
    """Offers and needs; `participants` maps id → name, and the participant column may hold either."""
    rows, problems = _rows(text, CATALOGUE_COLUMNS)
    by_name = {name.strip().lower(): pid for pid, name in participants.items()}
    out = []
    for line, row in rows:
        here: list[CsvProblem] = []
        side = SIDE_WORDS.get(row.get("side", "").lower())
        if side is None:
            here.append(CsvProblem(line, "side", "unknown-side", value=row.get("side", "")))
        ref = row.get("participant", "")
        pid = ref if ref in participants else by_name.get(ref.lower())
        if pid is None:
            here.append(CsvProblem(line, "participant", "unknown-participant", value=ref))
        category = CATEGORY_WORDS.get(row.get("category", "").lower())
        if category is None:
            here.append(CsvProblem(line, "category", "unknown-category", value=row.get("category", ""),
                                   allowed=list(CATEGORIES)))
        doc: dict[str, Any] = {"participant": pid, "category": category, "title": row.get("title", ""),
                               "description": row.get("description", ""),
                               "tags": [t.strip() for t in row.get("tags", "").replace(";", ",").split(",")
                                        if t.strip()]}
        if row.get("id"):
            doc["id"] = row["id"]
        for unit in ("hours", "items"):
            value = row.get(unit, "")
            if value:
                try:
                    number = float(value.replace(",", "."))
                    doc["amount"] = {unit: int(number) if unit == "items" and number.is_integer() else number}
                except ValueError:
                    here.append(CsvProblem(line, unit, "not-a-number", value=value))
        if row.get("hours") and row.get("items"):
            here.append(CsvProblem(line, "", "hours-and-items"))
        if not row.get("title"):
            here.append(CsvProblem(line, "title", "required"))
        if not here and side is not None:
            entry = {**doc, "id": doc.get("id", "x")}
            for p in validate_entry_payload(entry, side):
                here.append(CsvProblem(line, "", "money", where=p.path) if p.code == "money"
                            else CsvProblem(line, _entry_column(entry, side), "invalid-value", detail=p.message))
        problems.extend(here)
        if side is not None:
            out.append(ParsedEntry(side=side, doc=doc, line=line))
    return out, problems
