"""CSV import of participants and the catalogue: every row or every problem, each naming line and column."""

from __future__ import annotations

from pathlib import Path

from events.csv_import import (
    CSV_CODES,
    CSV_FIELDS,
    PARTICIPANT_COLUMNS,
    CsvProblem,
    english,
    parse_catalogue,
    parse_participants,
)
from events.schema import CATEGORIES


def test_participants_from_norwegian_excel_csv() -> None:
    text = "\ufeffNavn;Sektor;Kontakt\nRøde Kors;frivillig organisasjon;post@rk.no\nBilhuset AS;næringsliv;40000000\n"
    rows, problems = parse_participants(text)
    assert problems == []
    assert [(r["name"], r["kind"]) for r in rows] == [("Røde Kors", "organisation"), ("Bilhuset AS", "business")]


def test_participant_problems_name_line_and_field() -> None:
    text = "id,name,kind,contact\np1,Røde Kors,organisation,x\np1,Bil,firma,\n,,public,y\n"
    _, problems = parse_participants(text, existing={"p9"})
    assert "line 3, kind: 'firma' is not a sector" in problems[0]
    assert any(p.startswith("line 3, contact: required") for p in problems)
    assert any(p == "line 3, id: 'p1' is also on line 2" for p in problems)
    assert any(p == "line 4, name: required" for p in problems)


def test_unknown_column_and_empty_file() -> None:
    assert parse_participants("name,kind,contact,pris\nA,public,x,100\n")[1][0].startswith(
        "line 1, column 4: 'pris' is not a known column")
    assert parse_participants("")[1] == ["line 1: the file is empty (a header line and one line per row are expected)"]


def test_catalogue_by_name_with_norwegian_labels_and_problems() -> None:
    parts = {"p-rk": "Røde Kors", "p-bil": "Bilhuset AS"}
    text = ("type;deltaker;kategori;tittel;stikkord;timer;enheter\n"
            "tilbud;Bilhuset AS;Utstyr og lokaler;Minibuss;transport, tur;;1\n"
            "behov;p-rk;hender;Sjåfører til sommertur;transport;6,5;\n"
            "behov;Ukjent;hender;X;;;\n"
            "salg;p-rk;penger;Y;;abc;\n")
    entries, problems = parse_catalogue(text, parts)
    assert [(e.side, e.doc["participant"], e.doc["category"]) for e in entries[:2]] == [
        ("offer", "p-bil", "goods"), ("need", "p-rk", "hands")]
    assert entries[0].doc["amount"] == {"items": 1} and entries[1].doc["amount"] == {"hours": 6.5}
    assert entries[0].doc["tags"] == ["transport", "tur"]
    assert problems[0] == "line 4, participant: 'Ukjent' is not a participant at this event (id or name)"
    assert any(p.startswith("line 5, side: 'salg'") for p in problems)
    assert any(p.startswith("line 5, category: 'penger'") for p in problems)
    assert any(p == "line 5, hours: 'abc' is not a number" for p in problems)


def test_money_in_a_catalogue_line_is_refused_naming_it() -> None:
    text = "side,participant,category,title,description\noffer,p1,goods,Pris 100 kr,\n"
    entries, problems = parse_catalogue(text, {"p1": "A"})
    assert problems == [] and entries  # a word in a title is not a money field
    _, problems = parse_catalogue("side,participant,category,title,pris\noffer,p1,goods,T,100\n", {"p1": "A"})
    assert problems and problems[0].startswith("line 1, column 5: 'pris'")


def _codes(problems: list[CsvProblem]) -> list[tuple[int, str, str, dict[str, object]]]:
    return [(p.line, p.field, p.code, p.data) for p in problems]


def test_every_participant_problem_carries_line_field_code_and_data() -> None:
    assert _codes(parse_participants("")[1]) == [(1, "", "empty-file", {})]
    _, problems = parse_participants("navn;sektor;kontakt;id;pris\n"
                                     "A;offentlig;x;p9;\n"
                                     ";firma;;p1;\n"
                                     "B;public;y;p1;\n"
                                     "C;public;y;;;;\n"
                                     + "D" * 400 + ";public;z;;\n", existing={"p9"})
    allowed = ["organisation", "business", "public", "individual"]
    known = sorted(PARTICIPANT_COLUMNS)
    assert _codes(problems) == [
        (1, "", "unknown-column", {"position": 5, "name": "pris", "known": known}),
        (5, "", "too-many-fields", {"fields": 7, "header": 5}),
        (2, "id", "id-taken", {"id": "p9"}),
        (3, "name", "required", {}),
        (3, "kind", "unknown-kind", {"value": "firma", "allowed": allowed}),
        (3, "contact", "required", {}),
        (4, "id", "duplicate-id", {"id": "p1", "other_line": 3}),
        (6, "name", "invalid-value", {"detail": "Expected `str` of length <= 300 - at `$.name`"}),
    ]
    # the English sentence (API, CLI) is rendered from the code and data, place first
    assert problems[0] == f"line 1, column 5: 'pris' is not a known column (one of {', '.join(known)})"
    assert problems[4] == f"line 3, kind: 'firma' is not a sector (one of {', '.join(allowed)}, or in Norwegian)"
    assert problems[6] == "line 4, id: 'p1' is also on line 3"
    assert all(p.code in CSV_CODES and (not p.field or p.field in CSV_FIELDS) for p in problems)


def test_every_catalogue_problem_carries_line_field_code_and_data() -> None:
    text = ("type;deltaker;kategori;tittel;timer;enheter\n"
            "salg;Ukjent;penger;;abc;\n"
            "tilbud;A;hender;T;2;3\n"
            "behov;p1;hender;T;-1;\n")
    _, problems = parse_catalogue(text, {"p1": "A"})
    assert _codes(problems) == [
        (2, "side", "unknown-side", {"value": "salg"}),
        (2, "participant", "unknown-participant", {"value": "Ukjent"}),
        (2, "category", "unknown-category", {"value": "penger", "allowed": list(CATEGORIES)}),
        (2, "hours", "not-a-number", {"value": "abc"}),
        (2, "title", "required", {}),
        (3, "", "hours-and-items", {}),
        (4, "hours", "invalid-value", {"detail": "Expected `float` > 0.0 - at `$.amount.hours`"}),
    ]
    assert problems[0] == "line 2, side: 'salg' is not offer or need (tilbud or behov)"
    assert problems[5] == "line 3: give hours or items, not both"


def test_english_is_rendered_for_every_code() -> None:
    data = {"position": 1, "name": "n", "known": ["a"], "fields": 2, "header": 1, "value": "v", "allowed": ["a"],
            "id": "i", "other_line": 1, "where": "price", "detail": "d"}
    for code in CSV_CODES:
        text = english(code, data)
        assert text and "{" not in text, code


def test_every_code_is_in_the_documented_table() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "matching.md").read_text(encoding="utf-8")
    table = doc[doc.index("The exchange event's CSV import"):]
    assert [c for c in CSV_CODES if f"| `{c}` |" not in table] == []
