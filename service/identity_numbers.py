"""National identity numbers (fødselsnummer, D-nummer) must never be stored (DOMAIN.md, privacy): what one
looks like, and where one is in a request's fields. Below every layer: the register's own checks
(register/common.reject_identity_numbers, said beside the field on its pages) and the edge's check of every
other request body (api/hygiene) use the one pattern.

An 11-digit run, as 6 + 5 digits with at most one space, dot or hyphen between: stricter tests (the birth
date, the two check digits) would let a mistyped or made-up number through, and no field of the service
has a reason to hold an 11-digit run."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from service.problems import fault, invalid

IDENTITY_NUMBER = re.compile(r"(?<!\d)\d{6}[ .-]?\d{5}(?!\d)")
_IDENTITY_NUMBER_BYTES = re.compile(IDENTITY_NUMBER.pattern.encode())
# a handler that runs the register's own check (register/common.reject_identity_numbers) and says its finding
# beside the field, with what was typed, carries `opt=OWN_CHECK`; the edge leaves its body to it
OWN_CHECK_KEY = "checks_identity_numbers"
OWN_CHECK = {OWN_CHECK_KEY: True}
# fields whose values are secrets or opaque, never stored as text (a password may be eleven digits)
_SECRET = re.compile(r"password|token|secret|csrf", re.I)


# the ids the service makes (`evt-` and twelve hex digits, `msg-` and 32; register/common.new_id and its
# kin): random hex holds an 11-digit run now and then (about one id in 250), and such an id comes back in
# bodies (an agreement's parties, a form's `next` address); it is not looked at
_MADE_ID = re.compile(r"(?<![0-9A-Za-z])[a-z]{2,6}-[0-9a-f]{12}(?:[0-9a-f]{20})?(?![0-9A-Za-z])")


def has_identity_number(text: str) -> bool:
    return IDENTITY_NUMBER.search(_MADE_ID.sub("-", text)) is not None


def may_hold_one(body: bytes) -> bool:
    """A cheap first look at a raw JSON body (numbers count too: its fields are looked at only if this says yes;
    not for a form, whose spaces are written `+`)."""
    return _IDENTITY_NUMBER_BYTES.search(body) is not None


def texts_where(value: Any, hit: Callable[[str], bool], path: str = "",
                skip: Callable[[str], bool] = lambda _key: False) -> Iterator[str]:
    """The paths (`notes`, `entries[2].title`) of the texts in a decoded JSON document for which `hit` holds,
    in order; keys count as text too (an object keyed by one would store it), and the values under a key for
    which `skip` holds are not looked at."""
    if isinstance(value, str):
        if hit(value):
            yield path
    elif isinstance(value, dict):
        for k, v in value.items():
            here = f"{path}.{k}" if path else str(k)
            if skip(str(k)):
                continue
            if hit(str(k)):
                yield here
            yield from texts_where(v, hit, here, skip)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from texts_where(v, hit, f"{path}[{i}]", skip)


def text_where(value: Any, hit: Callable[[str], bool], path: str = "",
               skip: Callable[[str], bool] = lambda _key: False) -> str | None:
    """The first of `texts_where`, or None."""
    return next(texts_where(value, hit, path, skip), None)


def fields_with_one(value: Any, path: str = "") -> list[str]:
    """The paths of every text in a decoded JSON document (or one text) that holds an identity number
    (passwords, tokens and the like not looked at)."""
    return list(texts_where(value, has_identity_number, path, skip=is_secret))


def is_secret(name: str) -> bool:
    """A field or column whose values are secrets or opaque (a password, a token's hash)."""
    return _SECRET.search(name) is not None


def field_with_one(value: Any) -> str | None:
    """The path of the first text in a decoded JSON document that holds an identity number (passwords,
    tokens and the like not looked at), or None."""
    return next(texts_where(value, has_identity_number, skip=is_secret), None)


def form_field_with_one(pairs: Iterable[tuple[str, str]]) -> str | None:
    """As `field_with_one`, for a form's (name, value) pairs."""
    for name, value in pairs:
        if not _SECRET.search(name) and has_identity_number(value):
            return name
    return None


def refuse(field: str | None) -> None:
    """422 `national-id-number` naming `field`, if a field holds one (the edge's check and the exchange
    event's store, which a CSV import reaches line by line)."""
    if field is not None:
        raise invalid([fault(field, "national-id-number")])
