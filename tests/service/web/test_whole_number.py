"""`forms.whole_number`: the one reading of a whole number typed in a web form (the event set-up's
minutes, rounds and tables, a volunteer's weekday rows, the floor stand's days)."""

from __future__ import annotations

import pytest

from service.volunteer.me import typed_slots
from service.web.forms import whole_number


@pytest.mark.parametrize(("typed", "read"), [
    ("12", 12), (" 45 ", 45), ("0", 0), ("1 000", 1000), ("1\u00a0000", 1000), ("1\u202f000", 1000), ("007", 7),
])
def test_digits_with_spaces_are_a_whole_number(typed: str, read: int) -> None:
    assert whole_number(typed) == read


@pytest.mark.parametrize("typed", ["", "  ", "²", "٣", "-1", "+1", "1.5", "1,5", "en time", "1e3", "½"])
def test_anything_else_is_none_never_an_error(typed: str) -> None:
    """Superscripts and other scripts' digits are `str.isdigit`; `int` refused "²" with a ValueError (a 500)."""
    assert whole_number(typed) is None


def test_a_weekday_row_typed_as_a_superscript_is_shown_again_as_no_weekday() -> None:
    """My page's availability rows as typed: a weekday that is no whole number 1-7 is shown as none, the
    row marked bad, where "²" raised before."""
    rows = typed_slots({"weekday_0": "²", "start_0": "10:00", "end_0": "11:00",
                        "weekday_1": "3", "start_1": "10:00", "end_1": "11:00",
                        "weekday_2": "9", "start_2": "10:00", "end_2": "11:00"})
    assert [(r["weekday"], r["bad"]) for r in rows] == [(0, True), (3, False), (0, True)]


@pytest.mark.parametrize(("typed", "integer", "read"), [
    ("12,5", False, 12.5), ("7", True, 7), ("", False, None), ("nan", False, "error"), ("inf", False, "error"),
    ("-Infinity", False, "error"), ("mange", False, "error"), ("1.5", True, "error"),
])
def test_a_number_field_is_a_finite_number(typed: str, integer: bool, read: object) -> None:
    """`FieldProblems.number`: a comma for the decimal point; "nan" and "inf", which Python's float reads,
    are no number a form takes (they are said beside the field, not stored)."""
    from litestar.datastructures import FormMultiDict

    from service.web.forms import FieldProblems

    fp = FieldProblems()
    got = fp.number(FormMultiDict({"x": typed}), "x", integer=integer)
    if read == "error":
        assert got is None and fp.errors == [{"field": "x", "message": "not a number"}]
    else:
        assert got == read and fp.errors == []
