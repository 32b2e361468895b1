"""The languages samspill speaks: the pages, the mail and the SMS (Bokmål first, English second).

Kept below every layer so the services (accounts, the outbox) and the pages (web/i18n.py, which
holds the catalogues) read the same list without a service importing the web.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["nb", "en"]
LANGS: tuple[Lang, ...] = ("nb", "en")
DEFAULT_LANG: Lang = "nb"


def pick_lang(value: str | None) -> Lang:
    """One of LANGS: "en" stays English, anything else (missing, unknown) is the default, Bokmål."""
    return "en" if value == "en" else DEFAULT_LANG
