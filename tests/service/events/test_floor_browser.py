"""The exchange floor in headless Chromium, with a browser context per person at once: the
børsgeneral opens the trading hour; three brokers on tablet-sized pages register agreements from
the live suggestions; one broker's tablet loses the network, registers two agreements, comes back,
and exactly those two arrive, once; the notary confirms; the big screen and the brokers'
suggestions follow; the gong closes and a late registration is refused on the page with the reason.
Screenshots go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.service.browser import ARGS, CHROMIUM, SHOTS, clocked, needs_chromium
from tests.service.conftest import Tokens
from tests.service.events.helpers import EVENT
from tests.service.events.live_helpers import server

try:
    from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
except ImportError:  # pragma: no cover - the skip below says why
    async_playwright = None  # type: ignore[assignment]

pytestmark = [pytest.mark.anyio, *needs_chromium]

TABLET = {"width": 800, "height": 1280}
PEOPLE = [
    ("p-a", "Malerverkstedet AS", "business"), ("p-b", "Røde Kors Tønsberg", "organisation"),
    ("p-c", "Taxi Vestfold", "business"), ("p-d", "Eik sykehjem", "public"),
    ("p-e", "Bakeriet på torget", "business"), ("p-f", "Frivilligsentralen", "organisation"),
    ("p-g", "Datahjelpen", "business"), ("p-h", "Biblioteket", "public"), ("p-j", "Korpset", "organisation"),
]
ENTRIES = [
    ("offers", "p-a", "hands", "Maling av lokaler", ["maling"]),
    ("needs", "p-b", "hands", "Maling av klubbhuset", ["maling"]),
    ("offers", "p-b", "knowledge", "Førstehjelpskurs", ["førstehjelp"]),
    ("needs", "p-a", "knowledge", "Førstehjelp for ansatte", ["førstehjelp"]),
    ("offers", "p-c", "goods", "Minibuss en lørdag", ["transport"]),
    ("needs", "p-d", "goods", "Transport til sommertur", ["transport"]),
    ("offers", "p-e", "goods", "Kaker til arrangement", ["baking"]),
    ("needs", "p-f", "event_help", "Kaker til frivillighetsfesten", ["baking"]),
    ("offers", "p-g", "knowledge", "IT-hjelp for seniorer", ["it-hjelp"]),
    ("offers", "p-g", "goods", "Lydanlegg", ["lyd"]),
    ("needs", "p-h", "knowledge", "IT-hjelp på datakafeen", ["it-hjelp"]),
    ("needs", "p-j", "goods", "Lydanlegg til konsert", ["lyd"]),
]


async def _setup(c: httpx.AsyncClient, coordinator: dict[str, str]) -> dict[str, Any]:
    r = await c.post("/api/v1/events", json={**EVENT, "trading_minutes": 60}, headers=coordinator)
    assert r.status_code == 201, r.text
    event = r.json()
    eid = event["id"]
    for pid, name, kind in PEOPLE:
        r = await c.post(f"/api/v1/events/{eid}/participants", headers=coordinator,
                         json={"id": pid, "name": name, "kind": kind, "contact": f"{pid}@example.org"})
        assert r.status_code == 201, r.text
    for side, pid, category, title, tags in ENTRIES:
        r = await c.post(f"/api/v1/events/{eid}/{side}", headers=coordinator,
                         json={"participant": pid, "category": category, "title": title, "tags": tags})
        assert r.status_code == 201, r.text
    r = await c.post(f"/api/v1/events/{eid}/state", json={"action": "open_catalogue"}, headers=coordinator)
    assert r.status_code == 200, r.text
    return event


async def _link(c: httpx.AsyncClient, coordinator: dict[str, str], eid: str, role: str, name: str) -> str:
    r = await c.post(f"/api/v1/events/{eid}/floor-links", json={"role": role, "name": name}, headers=coordinator)
    assert r.status_code == 201, r.text
    return str(r.json()["url"])


async def _sign_in(browser: Browser, url: str, viewport: dict[str, int] = TABLET) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport=viewport, has_touch=True)
    page = await context.new_page()
    await page.goto(url)
    await page.click("#enter")  # one tap: no token typed
    await page.wait_for_load_state("domcontentloaded")
    return context, page


async def _agreements(c: httpx.AsyncClient, coordinator: dict[str, str], eid: str) -> list[dict[str, Any]]:
    r = await c.get(f"/api/v1/events/{eid}/agreements", headers=coordinator)
    assert r.status_code == 200, r.text
    return list(r.json())


async def _register_from(page: Page, counterpart: str) -> None:
    await page.click(f"li[data-counterpart='{counterpart}'] button.use")
    await page.wait_for_selector("#agreement-form:not([hidden])")
    await page.click("#af-submit")


async def _wait_gone(page: Page, selector: str, timeout: float = 5.0) -> float:
    started = time.monotonic()
    await page.wait_for_selector(selector, state="detached", timeout=timeout * 1000)
    return time.monotonic() - started


async def test_floor_trading_hour_with_brokers_notary_general_and_big_screen(
        db_url: str, coordinator: dict[str, str], tokens: Tokens) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("the pages are the same on both databases; streams across processes are tested in test_live_board")
    with server(db_url, {"SAMSPILL_SECURE_COOKIES": "0"}) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            event = await _setup(c, coordinator)
            eid = event["id"]
            links = {who: await _link(c, coordinator, eid, role, name) for who, role, name in [
                ("general", "general", "Børsgeneral"), ("b1", "broker", "Megler 1"), ("b2", "broker", "Megler 2"),
                ("b3", "broker", "Megler 3"), ("notary", "notary", "Notarius")]}
            SHOTS.mkdir(parents=True, exist_ok=True)
            async with async_playwright() as p:
                browser = clocked(await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True))
                try:
                    g_ctx, general = await _sign_in(browser, links["general"])
                    assert general.url.endswith(f"/events/{eid}/floor/general")
                    # the one-time link does not open a second session
                    other = await browser.new_context()
                    again = await other.new_page()
                    await again.goto(links["general"])
                    assert "allerede brukt" in (await again.text_content("main") or "")
                    await other.close()

                    screen_ctx = await browser.new_context(viewport={"width": 1920, "height": 1080})
                    screen = await screen_ctx.new_page()
                    await screen.goto(base + event["board_page"])

                    b1_ctx, b1 = await _sign_in(browser, links["b1"])
                    b2_ctx, b2 = await _sign_in(browser, links["b2"])
                    b3_ctx, b3 = await _sign_in(browser, links["b3"])
                    n_ctx, notary = await _sign_in(browser, links["notary"])

                    # the børsgeneral opens the trading hour with the gong
                    await general.click("#gong")
                    await general.wait_for_selector("#gong.close")
                    assert "Børsen er åpen" in (await general.text_content("#general-status") or "")
                    countdown = await general.text_content("#countdown") or ""
                    assert countdown.startswith(("59:", "60:")), countdown

                    # brokers pick their participant: by search, and by the badge's URL
                    await b1.fill("#q", "maler")
                    await b1.click("form.search button")
                    await b1.click("a.pick >> text=Malerverkstedet AS")
                    await b1.wait_for_selector("li[data-counterpart='p-b']")
                    reason = await b1.text_content("li[data-counterpart='p-b'] .reason") or ""
                    assert "dere deler: maling, førstehjelp" in reason and "to-veis" in reason, reason
                    await b2.goto(f"{base}/events/{eid}/floor/broker/p-c")
                    await b3.goto(f"{base}/events/{eid}/floor/broker/p-b")
                    await b3.wait_for_selector("li[data-counterpart='p-a']")
                    await b1.screenshot(path=str(SHOTS / "30-floor-broker-tablet.png"), full_page=True)

                    # broker 1 registers Malerverkstedet ↔ Røde Kors from the suggestion (two-way, pre-filled)
                    await _register_from(b1, "p-b")
                    await b1.wait_for_selector("#outbox-list li.sent", timeout=5000)
                    # both needs are met: on broker 3's page (Røde Kors) the suggestion drops out, live
                    took = await _wait_gone(b3, "li[data-counterpart='p-a']")
                    await b3.wait_for_selector("#needs li.met")

                    # broker 2: Taxi Vestfold ↔ Eik sykehjem
                    await b2.wait_for_selector("li[data-counterpart='p-d']")
                    await _register_from(b2, "p-d")
                    await b2.wait_for_selector("#outbox-list li.sent", timeout=5000)

                    # broker 3 turns to the bakery; a walk-in who needs cakes appears on that page, live
                    await b3.goto(f"{base}/events/{eid}/floor/broker/p-e")
                    await b3.wait_for_selector("li[data-counterpart='p-f']")
                    await b2.goto(f"{base}/events/{eid}/floor/broker")
                    await b2.click("#walk-in summary")
                    await b2.fill("#w-name", "Skolekorpset (walk-in)")
                    await b2.select_option("#w-kind", "organisation")
                    await b2.check("input[name=side][value=need]")
                    await b2.select_option("#w-category", "event_help")
                    await b2.fill("#w-title", "Kaker til basar")
                    await b2.fill("#w-tags", "baking")
                    await b2.click("#walk-in button[type=submit]")
                    await b2.wait_for_selector("h1#participant")
                    walk_in = await b2.get_attribute("h1#participant", "data-pid")
                    await b3.wait_for_selector(f"li[data-counterpart='{walk_in}']", timeout=5000)
                    await _register_from(b3, "p-f")
                    await b3.wait_for_selector("#outbox-list li.sent", timeout=5000)
                    assert len(await _agreements(c, coordinator, eid)) == 3

                    # broker 1's tablet loses the network and registers two agreements
                    await b1.goto(f"{base}/events/{eid}/floor/broker/p-g")
                    await b1.wait_for_selector("li[data-counterpart='p-h']")
                    await b1.wait_for_selector("li[data-counterpart='p-j']")
                    await b1_ctx.set_offline(True)
                    await _register_from(b1, "p-h")
                    await _register_from(b1, "p-j")
                    unsent = b1.locator("#outbox-list li.unsent")
                    await unsent.first.wait_for()
                    assert await unsent.count() == 2
                    assert "Ikke sendt ennå" in (await unsent.first.text_content() or "")
                    assert await b1.is_visible("#net")
                    await b1.screenshot(path=str(SHOTS / "31-floor-broker-offline.png"), full_page=True)
                    assert len(await _agreements(c, coordinator, eid)) == 3  # nothing reached the server
                    await b1_ctx.set_offline(False)
                    await expect(b1.locator("#outbox-list li.unsent")).to_have_count(0, timeout=10000)
                    # exactly those two arrive, once — also after more retries would have had their chance
                    await b1.wait_for_timeout(3500)
                    agreements = await _agreements(c, coordinator, eid)
                    assert len(agreements) == 5, agreements
                    pairs = sorted(tuple(a["parties"]) for a in agreements)
                    assert pairs.count(("p-g", "p-h")) == 1 and pairs.count(("p-g", "p-j")) == 1, pairs
                    assert {a["broker"] for a in agreements if "p-g" in a["parties"]} == {"Megler 1"}

                    # the big screen has all five, live
                    await expect(screen.locator("#total")).to_have_text("5", timeout=5000)

                    # the notary confirms, newest first, one tap each
                    await notary.reload()
                    assert (await notary.text_content("#left-count") or "").strip() == "5"
                    first = await notary.get_attribute("#queue-list li[data-agreement]", "data-agreement")
                    assert first == max(agreements, key=lambda a: a["registered_at"])["id"]
                    for done in (1, 2):
                        await notary.click("#queue-list li[data-agreement] button.confirm")
                        await expect(notary.locator("#confirmed-count")).to_have_text(str(done), timeout=5000)
                    assert (await notary.text_content("#left-count") or "").strip() == "3"
                    await notary.screenshot(path=str(SHOTS / "32-floor-notary.png"), full_page=True)
                    await expect(screen.locator("#confirmed")).to_have_text("2", timeout=5000)
                    await expect(general.locator("#agreement-count")).to_have_text("5", timeout=5000)
                    await general.screenshot(path=str(SHOTS / "33-floor-general.png"), full_page=True)

                    # the gong closes; a late registration is refused on the page, with the reason
                    await b2.wait_for_selector("li[data-counterpart='p-e']")
                    await general.click("#gong")
                    await general.wait_for_selector("text=Børsen er stengt")
                    await b2.wait_for_selector("#not-trading", timeout=5000)  # the page hears the gong too
                    await b2.wait_for_selector("#state[data-state=closed]", timeout=5000)
                    await _register_from(b2, "p-e")
                    refused = b2.locator("#outbox-list li.refused")
                    await refused.wait_for(timeout=5000)
                    text = await refused.text_content() or ""
                    assert "Avvist" in text and "Børsen er stengt" in text, text
                    assert len(await _agreements(c, coordinator, eid)) == 5
                    await b2.screenshot(path=str(SHOTS / "34-floor-late-refused.png"), full_page=True)
                    print(f"met need dropped from another broker's suggestions after {took:.2f} s")
                    assert took < 5
                    for ctx in (g_ctx, b1_ctx, b2_ctx, b3_ctx, n_ctx, screen_ctx):
                        await ctx.close()
                finally:
                    await browser.close()


async def test_floor_link_revoked_or_archived_ends_the_session(db_url: str, coordinator: dict[str, str]) -> None:
    """A revoked link ends its session on the next request; so does archiving the event; an unused
    link is refused once revoked; only the coordinator makes links."""
    if not db_url.startswith("sqlite"):
        pytest.skip("session handling is the same on both databases")
    with server(db_url, {"SAMSPILL_SECURE_COOKIES": "0"}) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            event = await _setup(c, coordinator)
            eid = event["id"]
            r = await c.post(f"/api/v1/events/{eid}/floor-links", json={"role": "chef", "name": "X"},
                             headers=coordinator)
            assert r.status_code in (400, 422) and "role" in r.text
            url = await _link(c, coordinator, eid, "notary", "Notarius")
            lid = (await c.get(f"/api/v1/events/{eid}/floor-links", headers=coordinator)).json()[0]["id"]
            spare = await _link(c, coordinator, eid, "broker", "Reserve")
            async with httpx.AsyncClient(timeout=30, follow_redirects=True) as tablet:
                page = await tablet.get(url)
                token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
                r = await tablet.post(url, data={"_csrf_token": token})
                assert r.status_code == 200 and str(r.url).endswith("/floor/notary"), r.url
                # a notary, not a broker
                assert (await tablet.get(f"{base}/events/{eid}/floor/broker")).status_code == 403
                r = await c.post(f"/api/v1/events/{eid}/floor-links/{lid}/revoke", headers=coordinator)
                assert r.status_code == 200 and r.json()["status"] == "revoked"
                r = await tablet.get(f"{base}/events/{eid}/floor/notary")
                assert r.status_code == 401 and "Skann QR-koden" in r.text
            spare_id = next(x for x in (await c.get(f"/api/v1/events/{eid}/floor-links", headers=coordinator)).json()
                        if x["name"] == "Reserve")["id"]
            async with httpx.AsyncClient(timeout=30, follow_redirects=True) as tablet:
                page = await tablet.get(spare)
                token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
                assert (await tablet.post(spare, data={"_csrf_token": token})).status_code == 200
                assert (await tablet.get(f"{base}/events/{eid}/floor/broker")).status_code == 200
                for action in ("open", "close"):
                    assert (await c.post(f"/api/v1/events/{eid}/gong", json={"action": action},
                                         headers=coordinator)).status_code == 200
                for action in ("start_follow_up", "archive"):
                    assert (await c.post(f"/api/v1/events/{eid}/state", json={"action": action},
                                         headers=coordinator)).status_code == 200
                r = await tablet.get(f"{base}/events/{eid}/floor/broker")
                assert r.status_code == 401
            r = await c.post(f"/api/v1/events/{eid}/floor-links", json={"role": "broker", "name": "Sen"},
                             headers=coordinator)
            assert r.status_code == 409
            assert spare_id


async def test_floor_says_offline_only_when_offline(db_url: str, coordinator: dict[str, str]) -> None:
    """The "offline – agreements are kept on this tablet" pill shows when the tablet loses the network and
    only then: online, on every floor page, it stays hidden (the `hidden` attribute beats `.pill`'s display)."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the pages are the same on both databases")
    with server(db_url, {"SAMSPILL_SECURE_COOKIES": "0"}) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            eid = (await _setup(c, coordinator))["id"]
            roles = ("broker", "notary", "general", "stand")
            links = {role: await _link(c, coordinator, eid, role, role) for role in roles}
            async with async_playwright() as p:
                browser = clocked(await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True))
                try:
                    for role, url in links.items():
                        ctx, page = await _sign_in(browser, url, {"width": 390, "height": 844})
                        assert page.url.endswith(f"/floor/{role}"), page.url
                        assert await page.evaluate("navigator.onLine")
                        assert not await page.is_visible("#net"), role
                        await ctx.set_offline(True)
                        await expect(page.locator("#net")).to_be_visible()
                        await ctx.set_offline(False)
                        await expect(page.locator("#net")).to_be_hidden()
                        await ctx.close()
                finally:
                    await browser.close()


async def test_a_suggestion_fills_the_agreement_with_the_need_s_amount(
        db_url: str, coordinator: dict[str, str]) -> None:
    """The broker's "make an agreement" from a suggestion fills in how much from the need's amount (else the
    offer's), hours in halves too, and the agreement registered from it carries that amount."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the pages are the same on both databases")
    with server(db_url, {"SAMSPILL_SECURE_COOKIES": "0"}) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as c:
            r = await c.post("/api/v1/events", json={**EVENT, "trading_minutes": 60}, headers=coordinator)
            eid = r.json()["id"]
            for pid, name, kind in PEOPLE[:4]:
                r = await c.post(f"/api/v1/events/{eid}/participants", headers=coordinator,
                                 json={"id": pid, "name": name, "kind": kind, "contact": f"{pid}@example.org"})
                assert r.status_code == 201, r.text
            for side, pid, category, title, tag, amount in [
                    ("offers", "p-a", "hands", "Maling av lokaler", "maling", {"hours": 4}),
                    ("needs", "p-b", "hands", "Maling av klubbhuset", "maling", {"hours": 2.5}),
                    ("offers", "p-c", "goods", "Minibuss en lørdag", "transport", {"items": 1}),
                    ("needs", "p-d", "goods", "Transport til sommertur", "transport", None)]:
                r = await c.post(f"/api/v1/events/{eid}/{side}", headers=coordinator, json={
                    "participant": pid, "category": category, "title": title, "tags": [tag],
                    **({"amount": amount} if amount else {})})
                assert r.status_code == 201, r.text
            r = await c.post(f"/api/v1/events/{eid}/state", json={"action": "open_catalogue"}, headers=coordinator)
            assert r.status_code == 200, r.text
            general, link = (await _link(c, coordinator, eid, "general", "Børsgeneral"),
                             await _link(c, coordinator, eid, "broker", "Megler"))
            async with async_playwright() as p:
                browser = clocked(await p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True))
                try:
                    g_ctx, g_page = await _sign_in(browser, general)
                    await g_page.click("#gong")
                    await g_page.wait_for_selector("#gong.close")
                    await g_ctx.close()
                    ctx, page = await _sign_in(browser, link)
                    for mine, other, unit, amount in (("p-a", "p-b", "hours", "2.5"), ("p-c", "p-d", "items", "1")):
                        await page.goto(f"{base}/events/{eid}/floor/broker/{mine}")
                        await page.click(f"li[data-counterpart='{other}'] button.use")
                        await page.wait_for_selector("#agreement-form:not([hidden])")
                        assert await page.input_value("#af-gives [data-f=amount]") == amount
                        assert await page.input_value("#af-gives [data-f=unit]") == unit
                        await page.click("#af-submit")
                        await page.wait_for_selector("#agreement-form", state="hidden")
                    await ctx.close()
                finally:
                    await browser.close()
            deadline = time.monotonic() + 10
            while len(made := await _agreements(c, coordinator, eid)) < 2 and time.monotonic() < deadline:
                time.sleep(0.2)
            gives = sorted((g["from"], g.get("hours"), g.get("items")) for a in made for g in a["gives"])
            assert gives == [("p-a", 2.5, None), ("p-c", None, 1)], made
