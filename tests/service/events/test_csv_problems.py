"""Every CSV import problem code renders in Bokmål and English from the one catalogue."""

from __future__ import annotations

import pytest

from events.csv_import import CSV_CODES, CSV_FIELDS, CsvProblem, parse_catalogue, parse_participants
from service.exchange.setup import RUNTIME_KEYS, csv_problem_text
from service.web import i18n

DATA = {"empty-file": {}, "unknown-column": {"position": 4, "name": "pris", "known": ["navn", "sektor"]},
        "too-many-fields": {"fields": 5, "header": 3}, "required": {},
        "unknown-kind": {"value": "firma", "allowed": ["organisation", "business", "public", "individual"]},
        "id-taken": {"id": "p1"}, "duplicate-id": {"id": "p1", "other_line": 2},
        "unknown-side": {"value": "salg"}, "unknown-participant": {"value": "Ukjent"},
        "unknown-category": {"value": "penger", "allowed": ["hands", "knowledge", "goods", "event_help"]},
        "not-a-number": {"value": "abc"}, "hours-and-items": {}, "money": {"where": "price"},
        "invalid-value": {"detail": "Expected `float` > 0.0"}}


def test_the_keys_cover_every_code_and_column() -> None:
    assert set(DATA) == set(CSV_CODES)
    keys = set(RUNTIME_KEYS)
    assert {f"exchange.csv.{c}" for c in CSV_CODES} <= keys
    assert {f"exchange.csv.field.{f}" for f in CSV_FIELDS} <= keys


@pytest.mark.parametrize("code", sorted(DATA))
def test_every_code_renders_in_both_languages(code: str) -> None:
    problem = CsvProblem(3, "" if code == "unknown-column" else "kind", code, **DATA[code])  # type: ignore[arg-type]
    nb, en = csv_problem_text("nb", problem), csv_problem_text("en", problem)
    for text in (nb, en):
        assert "exchange.csv" not in text and "{" not in text, text
    assert nb.startswith("linje 3") and en.startswith("line 3")
    assert nb != en


def test_parsed_problems_render_without_english_on_the_bokmal_page() -> None:
    _, p_problems = parse_participants("navn;sektor;kontakt\n;firma;\n")
    _, c_problems = parse_catalogue("type;deltaker;kategori;tittel;timer;enheter\nsalg;X;penger;;abc;\n"
                                    "tilbud;A;hender;T;1;2\n", {"a": "A"})
    for problem in p_problems + c_problems:
        nb = csv_problem_text("nb", problem)
        assert not any(w in nb for w in ("line", "is not", "required", "give hours", "sector")), nb
        assert csv_problem_text("en", problem) == str(problem) or problem.code in ("unknown-category",), problem
    assert i18n.t("nb", "exchange.csv.required") == "må fylles ut"


def test_a_value_the_decoder_refuses_names_its_column_and_keeps_its_english_out_of_bokmal() -> None:
    """A name longer than the register allows: the problem names the column (found by converting each field
    alone, not by reading the decoder's message), and the Bokmål line carries none of the decoder's English."""
    _, problems = parse_participants(f"navn;sektor;kontakt\n{'Å' * 400};offentlig;ola@example.no\n")
    assert [(p.line, p.field, p.code) for p in problems] == [(2, "name", "invalid-value")]
    assert "Expected" in str(problems[0])  # the API and the CLI keep the decoder's words
    nb, en = csv_problem_text("nb", problems[0]), csv_problem_text("en", problems[0])
    assert "Expected" not in nb and "ugyldig verdi" in nb and i18n.t("nb", "exchange.csv.field.name") in nb, nb
    assert "Expected" not in en and "invalid value" in en, en
