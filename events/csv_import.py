"""Participants and the catalogue from CSV (the organisers keep them in a spreadsheet).

Both parsers read the whole file and return every row or every problem: the caller stores
nothing unless the list of problems is empty. Each problem names the line (1 is the header)
and the column, e.g. `line 4, kind: 'firma' is not a sector (one of …)`. Columns may be named
in English or Norwegian; comma, semicolon (Norwegian Excel) and tab separate; Norwegian labels
are accepted for sectors, sides and categories.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Set
from typing import Any

import msgspec

from events.schema import (
    CATEGORIES,
    CATEGORY_LABELS,
    PARTICIPANT_KINDS,
    EntrySide,
    Participant,
    validate_entry_payload,
)

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


class ParsedEntry(msgspec.Struct, frozen=True):
    side: EntrySide
    doc: dict[str, Any]
    line: int


def _rows(text: str, columns: Mapping[str, str]) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    text = text.lstrip("\ufeff")
    if not text.strip():
        return [], ["line 1: the file is empty (a header line and one line per row are expected)"]
    try:
        dialect: Any = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader)
    names = []
    problems = []
    for i, raw in enumerate(header):
        key = raw.strip().lower()
        if key not in columns:
            problems.append(f"line 1, column {i + 1}: {raw.strip()!r} is not a known column "
                            f"(one of {', '.join(sorted(set(columns)))})")
        names.append(columns.get(key, ""))
    rows = []
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) > len(names):
            problems.append(f"line {line}: {len(values)} fields, the header has {len(names)}")
            continue
        rows.append((line, {n: v.strip() for n, v in zip(names, values, strict=False) if n}))
    return rows, problems


def parse_participants(
    text: str, existing: Set[str] = frozenset()
) -> tuple[list[dict[str, Any]], list[str]]:
    """Participant documents (ids optional: the store makes them), or the problems."""
    rows, problems = _rows(text, PARTICIPANT_COLUMNS)
    out = []
    seen: dict[str, int] = {}
    for line, row in rows:
        kind = KIND_WORDS.get(row.get("kind", "").lower())
        here = []
        if not row.get("name"):
            here.append(f"line {line}, name: required")
        if kind is None:
            here.append(f"line {line}, kind: {row.get('kind', '')!r} is not a sector "
                        f"(one of {', '.join(PARTICIPANT_KINDS)}, or in Norwegian)")
        if not row.get("contact"):
            here.append(f"line {line}, contact: required (contact person, e-mail or phone)")
        pid = row.get("id") or None
        if pid is not None:
            if pid in existing:
                here.append(f"line {line}, id: {pid!r} is already a participant at this event")
            elif pid in seen:
                here.append(f"line {line}, id: {pid!r} is also on line {seen[pid]}")
            seen[pid] = line
        doc = {"name": row.get("name", ""), "kind": kind, "contact": row.get("contact", ""),
               "description": row.get("description", ""), **({"id": pid} if pid else {})}
        if not here:
            try:
                msgspec.convert({**doc, "id": pid or "x"}, Participant)
            except msgspec.ValidationError as e:
                here.append(f"line {line}: {e}")
        problems.extend(here)
        out.append(doc)
    return out, problems


def parse_catalogue(text: str, participants: Mapping[str, str]) -> tuple[list[ParsedEntry], list[str]]:
    """Offers and needs; `participants` maps id → name, and the participant column may hold either."""
    rows, problems = _rows(text, CATALOGUE_COLUMNS)
    by_name = {name.strip().lower(): pid for pid, name in participants.items()}
    out = []
    for line, row in rows:
        here = []
        side = SIDE_WORDS.get(row.get("side", "").lower())
        if side is None:
            here.append(f"line {line}, side: {row.get('side', '')!r} is not offer or need (tilbud or behov)")
        ref = row.get("participant", "")
        pid = ref if ref in participants else by_name.get(ref.lower())
        if pid is None:
            here.append(f"line {line}, participant: {ref!r} is not a participant at this event (id or name)")
        category = CATEGORY_WORDS.get(row.get("category", "").lower())
        if category is None:
            here.append(f"line {line}, category: {row.get('category', '')!r} is not a category "
                        f"(one of {', '.join(CATEGORIES)}, or in Norwegian)")
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
                    here.append(f"line {line}, {unit}: {value!r} is not a number")
        if row.get("hours") and row.get("items"):
            here.append(f"line {line}: give hours or items, not both")
        if not row.get("title"):
            here.append(f"line {line}, title: required")
        if not here and side is not None:
            for p in validate_entry_payload({**doc, "id": doc.get("id", "x")}, side):
                here.append(f"line {line}, {p}")
        problems.extend(here)
        if side is not None:
            out.append(ParsedEntry(side=side, doc=doc, line=line))
    return out, problems
