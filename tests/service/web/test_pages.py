"""The coordinator's pages over HTTP: sign-in, who may see them, CSRF, review and release."""

from __future__ import annotations

import re

import httpx
import pytest
import sqlalchemy as sa

from service import clock
from service.db.engine import create_engine, create_sessionmaker
from service.db.models import AuditRow, PlacementRow
from tests.service.web.conftest import PASSWORD, csrf, post_form, sign_in, web_client

pytestmark = pytest.mark.anyio

PAGES = ["/", "/matching", "/volunteers", "/volunteers/v1", "/needs/n1"]


def proposal_ids(html: str) -> list[str]:
    return re.findall(r'id="prop-(prop-[0-9a-f]+)"', html)


async def run_matching(c: httpx.AsyncClient) -> str:
    """Start a run from the page and wait for it as the page's poll does."""
    import anyio

    r = await post_form(c, "/matching/run", htmx=True)
    assert r.status_code == 200 and 'id="run-progress"' in r.text
    for _ in range(200):
        status = await c.get("/matching/status", headers={"HX-Request": "true"})
        if status.headers.get("hx-redirect") == "/matching":
            break
        assert "role=\"alert\"" not in status.text, status.text
        await anyio.sleep(0.05)
    page = await c.get("/matching")
    assert page.status_code == 200
    return page.text


@pytest.mark.parametrize("path", PAGES)
async def test_pages_signed_out_redirect_to_sign_in(browser_client, path):
    r = await browser_client.get(path)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next={path}"


async def test_pages_bearer_tokens_are_no_sign_in(browser_client, tokens, loaded):
    site = await tokens.headers("site", site="eik")
    coordinator = await tokens.headers("coordinator")
    for headers in (site, coordinator):
        for path in PAGES:
            r = await browser_client.get(path, headers=headers)
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), (path, r.status_code)


async def test_pages_site_user_is_forbidden(browser_client, users, loaded):
    """A site contact lands on /site; the coordinator's pages and every volunteer page are 403."""
    await users.create("kontakt@eik.no", role="site", site="eik")
    r = await sign_in(browser_client, "kontakt@eik.no")
    assert r.status_code == 303 and r.headers["location"] == "/site"
    r = await browser_client.get("/")
    assert r.status_code == 303 and r.headers["location"] == "/site"
    for path in ["/matching", "/volunteers", "/volunteers/v1", "/volunteers/new", "/volunteers/v1/edit",
                 "/volunteers/v1/export.json", "/statistics", "/catalogue", "/sites", "/placements/at-risk"]:
        r = await browser_client.get(path)
        assert r.status_code == 403 and "Ingen tilgang" in r.text, path
    r = await post_form(browser_client, "/matching/run")
    assert r.status_code == 403
    r = await post_form(browser_client, "/volunteers/v1/erase", {"confirm": "yes"})
    assert r.status_code == 403


async def test_signin_wrong_password_then_right(browser_client, users):
    await users.create("kari@kommune.no")
    r = await sign_in(browser_client, "kari@kommune.no", "feil passord!")
    assert r.status_code == 401 and "Feil e-post eller passord." in r.text
    r = await sign_in(browser_client, "KARI@kommune.no ", PASSWORD)
    assert r.status_code == 303
    assert (await browser_client.get("/")).status_code == 200


async def test_signin_rate_limited_per_email_and_address(app, browser_client, users):
    await users.create("kari@kommune.no")
    for _ in range(5):
        assert (await sign_in(browser_client, "kari@kommune.no", "gjett gjett")).status_code == 401
    r = await sign_in(browser_client, "kari@kommune.no", PASSWORD)
    assert r.status_code == 429 and "For mange feil forsøk" in r.text
    async with web_client(app, ip="10.0.0.7") as other:
        assert (await sign_in(other, "kari@kommune.no", PASSWORD)).status_code == 303


async def test_signin_unknown_email_same_answer(browser_client):
    r = await sign_in(browser_client, "ingen@kommune.no", "hva som helst")
    assert r.status_code == 401 and "Feil e-post eller passord." in r.text


async def test_signin_next_is_kept_but_never_offsite(browser_client, users):
    await users.create("kari@kommune.no")
    r = await sign_in(browser_client, "kari@kommune.no", next_="//evil.example/")
    assert r.headers["location"] == "/"
    await post_form(browser_client, "/logout")
    r = await sign_in(browser_client, "kari@kommune.no", next_="/volunteers")
    assert r.headers["location"] == "/volunteers"


async def test_csrf_required_on_forms(browser_client, users):
    await users.create("kari@kommune.no")
    await browser_client.get("/login")
    r = await browser_client.post("/login", data={"email": "kari@kommune.no", "password": PASSWORD})
    assert r.status_code == 403
    await sign_in(browser_client, "kari@kommune.no")
    r = await browser_client.post("/matching/run", headers={"HX-Request": "true"})
    assert r.status_code == 403
    r = await browser_client.post("/matching/run", headers={"X-CSRFToken": "forged" + csrf(browser_client)[6:]})
    assert r.status_code == 403


async def test_api_needs_no_csrf(client, coordinator, loaded):
    r = await client.post("/api/v1/plans", headers=coordinator)
    assert r.status_code == 202


async def test_signout_ends_the_session(coordinator_client):
    r = await post_form(coordinator_client, "/logout")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    assert (await coordinator_client.get("/")).status_code == 303
    assert "Du er logget ut." in (await coordinator_client.get("/login?signed_out=true")).text


async def test_overview_shows_needs_waiting_and_onboarding(coordinator_client):
    r = await coordinator_client.get("/")
    assert r.status_code == 200
    text = r.text
    assert '<html lang="nb">' in text and "<main" in text and "<nav" in text
    for heading in ("Behov per tjenestested og organisasjon", "Forslag som venter på vurdering",
                    "Oppfølgingssamtaler denne uka",
                    "Frivillige med ufullstendig mottak"):
        assert heading in text
    assert "Første samtale" not in text or "første samtale" in text  # listed lower-case among what is missing


async def test_language_switch_to_english(coordinator_client):
    r = await post_form(coordinator_client, "/lang", {"lang": "en", "next": "/matching"})
    assert r.status_code == 303 and r.headers["location"] == "/matching"
    page = await coordinator_client.get("/matching")
    assert '<html lang="en">' in page.text and "Run new matching" in page.text


async def test_matching_accept_reject_pin_release(coordinator_client, db_url):
    c = coordinator_client
    html = await run_matching(c)
    ids = proposal_ids(html)
    assert len(ids) >= 3, html
    assert "Felles interesser" in html or "Bor " in html or "Fyller en plass" in html

    accepted = await post_form(c, f"/proposals/{ids[0]}/accept", htmx=True)
    assert accepted.status_code == 200 and "Godtatt" in accepted.text and accepted.text.lstrip().startswith("<li")

    missing_reason = await post_form(c, f"/proposals/{ids[1]}/reject", {"reason": " "}, htmx=True)
    assert "Skriv en begrunnelse." in missing_reason.text and "Venter" in missing_reason.text
    rejected = await post_form(c, f"/proposals/{ids[1]}/reject", {"reason": "Kjenner brukeren privat"}, htmx=True)
    assert "Avvist" in rejected.text and "Kjenner brukeren privat" in rejected.text

    pinned = await post_form(c, f"/proposals/{ids[2]}/pin", htmx=True)
    assert "Festet" in pinned.text

    plan_id = re.search(r'href="/plans/(plan-[0-9a-f]+)/release"', (await c.get("/matching")).text).group(1)
    preview = await c.get(f"/plans/{plan_id}/release")
    assert preview.status_code == 200 and "Nye plasseringer" in preview.text
    released = await post_form(c, f"/plans/{plan_id}/release")
    assert released.status_code == 303
    after = await c.get("/matching")
    assert "Planen er frigitt" in after.text

    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session:
            placements = (await session.scalars(sa.select(PlacementRow))).all()
            reads = await session.scalar(
                sa.select(sa.func.count()).select_from(AuditRow).where(AuditRow.role == "coordinator"))
    finally:
        await engine.dispose()
    assert len(placements) == 2 and {p.state for p in placements} == {"offered"}
    assert reads and reads > 0  # the pages' reads of personal data are audited like the API's
    volunteer = await c.get(f"/volunteers/{placements[0].volunteer_id}")
    assert "Tilbudt" in volunteer.text and "Neste oppfølging" in volunteer.text


async def test_matching_undo_a_rejection(coordinator_client):
    """A rejected proposal offers to undo the rejection; accepting it lifts the pair's forbid."""
    c = coordinator_client
    ids = proposal_ids(await run_matching(c))
    rejected = await post_form(c, f"/proposals/{ids[0]}/reject", {"reason": "feiltrykk"}, htmx=True)
    assert "Angre avvisning og godta" in rejected.text
    undone = await post_form(c, f"/proposals/{ids[0]}/accept", htmx=True)
    assert undone.status_code == 200 and "Godtatt" in undone.text and "feiltrykk" not in undone.text


async def test_matching_without_htmx_redirects(coordinator_client):
    c = coordinator_client
    html = await run_matching(c)
    first = proposal_ids(html)[0]
    r = await post_form(c, f"/proposals/{first}/accept")
    assert r.status_code == 303 and r.headers["location"] == f"/matching#prop-{first}"


async def test_accept_over_headcount_shows_the_conflict_in_place(coordinator_client):
    c = coordinator_client
    html = await run_matching(c)
    ids = proposal_ids(html)
    accepted = [await post_form(c, f"/proposals/{i}/accept", htmx=True) for i in ids]
    # n1 has one place and both v1 and v2 fit it; a second accept on a full need must say so, not crash.
    for r in accepted:
        assert r.status_code == 200
    errors = [r for r in accepted if 'role="alert"' in r.text]
    assert all("ledig plass" in r.text or "opptatt" in r.text for r in errors)


async def test_volunteer_page_checklist_grid_and_first_conversation(coordinator_client):
    c = coordinator_client
    page = await c.get("/volunteers/v1")
    assert page.status_code == 200
    for label in ("Første samtale", "Frivilligavtale signert", "Taushetserklæring signert", "Introduksjonskurs",
                  "Tilgjengelighet per ukedag og time"):
        assert label in page.text
    r = await post_form(c, "/volunteers/v1/first-conversation", {"held": "2026-01-05"})
    assert r.status_code == 303
    page = await c.get("/volunteers/v1")
    assert "5. januar 2026" in page.text


async def test_need_page_and_unknown_ids(coordinator_client):
    c = coordinator_client
    r = await c.get("/needs/n1")
    assert r.status_code == 200 and "Lagt inn av" in r.text
    assert (await c.get("/needs/nope")).status_code == 404
    assert (await c.get("/volunteers/nope")).status_code == 404


async def test_static_htmx_is_vendored(browser_client):
    r = await browser_client.get("/static/htmx.min.js")
    assert r.status_code == 200 and "htmx" in r.text[:200]


async def test_matching_shows_a_run_started_elsewhere(coordinator_client, db_url):
    """A run queued by another worker or the API shows as progress, and the page follows it to its end."""
    import datetime as dt

    from service.db.models import PlanRow

    engine = create_engine(db_url)
    started = clock.now() - dt.timedelta(seconds=3)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            session.add(PlanRow(id="plan-elsewhere", status="running", solver_status="pending", unfilled=[],
                                summary={"time_limit": 10, "started_at": started.isoformat(), "attempt": 1}))
        page = await coordinator_client.get("/matching")
        assert 'id="run-progress"' in page.text and "Matching pågår" in page.text
        status = await coordinator_client.get("/matching/status", headers={"HX-Request": "true"})
        assert "3 av høyst 10 sekunder" in status.text or "4 av høyst 10 sekunder" in status.text
        async with create_sessionmaker(engine)() as session, session.begin():
            await session.execute(sa.update(PlanRow).where(PlanRow.id == "plan-elsewhere").values(status="draft"))
        status = await coordinator_client.get("/matching/status", headers={"HX-Request": "true"})
        assert status.headers.get("hx-redirect") == "/matching"
    finally:
        await engine.dispose()


async def test_overview_lists_followups_due_and_volunteer_page_records_one(coordinator_client, db_url):
    import datetime as dt

    c = coordinator_client
    html = await run_matching(c)
    first = proposal_ids(html)[0]
    await post_form(c, f"/proposals/{first}/accept", htmx=True)
    plan_id = re.search(r'href="/plans/(plan-[0-9a-f]+)/release"', (await c.get("/matching")).text).group(1)
    await post_form(c, f"/plans/{plan_id}/release")
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            placement = (await session.scalars(sa.select(PlacementRow))).one()
            placement.start = clock.today() - dt.timedelta(days=20)  # first follow-up was due 6 days ago
    finally:
        await engine.dispose()
    overview = (await c.get("/")).text
    assert "forfalt" in overview and f'href="/volunteers/{placement.volunteer_id}"' in overview
    r = await post_form(c, f"/placements/{placement.id}/followup",
                        {"held": clock.today().isoformat(), "next": f"/volunteers/{placement.volunteer_id}"})
    assert r.status_code == 303 and r.headers["location"] == f"/volunteers/{placement.volunteer_id}"
    page = (await c.get(f"/volunteers/{placement.volunteer_id}")).text
    assert clock.today().strftime("%d.%m.%Y") in page  # listed among the follow-ups held
    assert "forfalt" not in (await c.get("/")).text


def test_every_page_route_is_left_to_the_session_not_the_bearer_middleware():
    from service.web import WEB_PATHS
    from service.web.pages import web_router

    paths = {route.path for route in web_router().routes}
    for path in paths:
        concrete = path.replace("{proposal_id:str}", "p").replace("{plan_id:str}", "p").replace(
            "{volunteer_id:str}", "v").replace("{need_id:str}", "n").replace("{placement_id:str}", "x")
        assert any(re.match(p, concrete) for p in WEB_PATHS), path


RAW_KEY = re.compile(r"\b(?:nav|overview|matching|proposal|state|need|unfilled|release|volunteer|onboarding|placement|"
                     r"signin|grid|reason|rule|miss|summary|why|elsewhere|problem|wd|weekday)\.[A-Za-z0-9_]+\b")


@pytest.mark.parametrize("lang", ["nb", "en"])
async def test_every_page_speaks_without_raw_keys(coordinator_client, lang):
    c = coordinator_client
    await post_form(c, "/lang", {"lang": lang, "next": "/"})
    html = await run_matching(c)
    first = proposal_ids(html)[0]
    await post_form(c, f"/proposals/{first}/accept", htmx=True)
    plan_id = re.search(r'href="/plans/(plan-[0-9a-f]+)/release"', (await c.get("/matching")).text).group(1)
    for path in ["/", "/matching", f"/plans/{plan_id}/release", "/volunteers", "/volunteers/v1", "/volunteers/v2",
                 "/needs/n1", "/needs/n2", "/needs/n3"]:
        r = await c.get(path)
        assert r.status_code == 200, path
        text = re.sub(r"<[^>]+>", " ", r.text)  # the words people read, not ids in attributes
        assert not RAW_KEY.search(text), (path, RAW_KEY.search(text))
        assert f'<html lang="{lang}">' in r.text


async def test_release_page_names_a_rule_broken_since_the_accept(coordinator_client, client, coordinator, db_url):
    """An accepted pair whose need moved to 05:00 since (kept at risk): the preview names it and asks to keep
    it at risk; confirming without that box releases nothing and returns to the preview; with it, releases."""
    c = coordinator_client
    ids = proposal_ids(await run_matching(c))
    assert (await post_form(c, f"/proposals/{ids[0]}/accept", htmx=True)).status_code == 200
    prop = next(p for p in (await client.get("/api/v1/proposals", headers=coordinator)).json() if p["id"] == ids[0])
    dawn = {"weekly": [{"weekday": 1, "start": "05:00", "end": "06:00"}]}  # everyone is available 08–22
    r = await client.patch(f"/api/v1/needs/{prop['need']}", params={"keep_at_risk": "true"}, json=dawn,
                           headers=coordinator)
    assert [e["rule"] for e in r.json()["at_risk"]] == ["E6"], r.text
    plan_id = re.search(r'href="/plans/(plan-[0-9a-f]+)/release"', (await c.get("/matching")).text).group(1)

    preview = await c.get(f"/plans/{plan_id}/release")
    assert "Bryter en regel nå" in preview.text and 'data-rule="E6"' in preview.text, preview.text
    assert 'name="keep_at_risk"' in preview.text
    refused = await post_form(c, f"/plans/{plan_id}/release")
    assert refused.status_code == 303 and refused.headers["location"] == f"/plans/{plan_id}/release"
    assert "E6" in (await c.get(refused.headers["location"])).text

    from tests.service.web.test_register_pages import rows

    assert await rows(db_url, PlacementRow) == []
    released = await post_form(c, f"/plans/{plan_id}/release", {"keep_at_risk": "on"})
    assert released.status_code == 303 and released.headers["location"] == "/matching"
    assert [(p.volunteer_id, p.need_id) for p in await rows(db_url, PlacementRow)] == [
        (prop["volunteer"], prop["need"])]
