"""CSV import of participants and the catalogue: every row or every problem, each naming line and column."""

from __future__ import annotations

from events.csv_import import parse_catalogue, parse_participants


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
