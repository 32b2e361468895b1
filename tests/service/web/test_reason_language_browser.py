"""The matching page of a large generated municipality in headless Chromium: every explanation shown
(reasons, unfilled summaries, nearest misses, placed elsewhere, excluded-by-rule names — the
elements marked `.said`) is in the page's language: no English on the Bokmål page, no Bokmål on
the English one. Names from the register (sites, activities, trainings, need titles) are
Norwegian in both and are taken out before the words are judged.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import pytest

from service import clock
from tests.service.browser import expect, needs_chromium, serve, temp_settings
from tests.service.web.test_browser import EMAIL, PASSWORD, sign_in

pytestmark = [*needs_chromium, pytest.mark.slow]

VOLUNTEERS, NEEDS, SEED = 500, 150, 11
ENGLISH = {"the", "would", "volunteer", "volunteers", "and", "is", "are", "with", "but", "not", "at", "of",
           "placed", "instead", "meets", "every", "rule", "available", "need", "hours", "lives", "away"}
NORWEGIAN = {"og", "ikke", "frivillig", "frivillige", "ville", "kvalifisert", "behovet", "er", "på", "med",
             "plassert", "timer", "uka", "til", "av", "bor", "unna", "fyller", "oppfyller"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    from matcher.generate import generate
    from service.accounts import create_user
    from service.app import create_app
    from service.cli.common import with_session as _with_session
    from service.cli.server import build_demo, next_monday

    settings = temp_settings(tmp_path_factory, "reasons")
    asyncio.run(build_demo(settings, volunteers=VOLUNTEERS, needs=NEEDS, seed=SEED))
    # the same municipality build_demo imported: its names, to take out of the text
    sc = generate(VOLUNTEERS, NEEDS, SEED, start=next_monday(clock.today()), weeks=8)
    names = [*(s.name for s in sc.sites), *(a.name for a in sc.activities), *(t.name for t in sc.trainings),
             *(n.title for n in sc.needs), *(v.name for v in sc.volunteers)]

    async def users(session: Any) -> None:
        await create_user(session, email=EMAIL, password=PASSWORD, role="coordinator", name="Kari Koordinator")

    asyncio.run(_with_session(settings, users))
    with serve(create_app(settings)) as url:
        yield url, sorted(names, key=len, reverse=True)


def judged(text: str, names: list[str]) -> set[str]:
    """The words of a shown explanation, less the register's names (and quoted titles)."""
    for name in names:
        text = text.replace(name, " ").replace(name.lower(), " ")
    text = re.sub(r"«[^»]*»|“[^”]*”", " ", text)
    return set(re.findall(r"[a-zæøå]+", text.lower()))


def shown(page: Any) -> list[str]:
    return [t.strip() for t in page.locator(".said").all_inner_texts() if t.strip()]


def test_matching_page_explains_in_one_language(server: tuple[str, list[str]], browser: Any) -> None:
    base, names = server
    context = browser.new_context(locale="nb-NO", timezone_id="Europe/Oslo")
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        sign_in(page, base)
        page.goto(base + "/matching")
        page.get_by_role("button", name="Kjør ny matching").click()
        expect(page.locator("li.proposal").first).to_be_visible(timeout=120_000)
        page.reload()
        page.wait_for_load_state("networkidle")  # fragments the page loads after it (htmx) are in

        bokmal = shown(page)
        assert len(bokmal) > 300, "a large municipality shows hundreds of explanations"
        assert page.locator("article.unfilled").count() > 0
        english_found = {t: sorted(judged(t, names) & ENGLISH) for t in bokmal}
        assert {t: w for t, w in english_found.items() if w} == {}

        page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.wait_for_load_state("networkidle")
        english = shown(page)
        assert len(english) == len(bokmal)
        norwegian_found = {t: sorted(judged(t, names) & NORWEGIAN) for t in english}
        assert {t: w for t, w in norwegian_found.items() if w} == {}
        # the same words in both languages would be an untranslated string (a rule code alone may repeat)
        same = [t for t in set(bokmal) & set(english) if judged(t, names) - {"e", "c"}]
        assert same == []
        print(f"{len(bokmal)} explanations shown; e.g. {bokmal[:2]} / {english[:2]}")
    finally:
        context.close()
