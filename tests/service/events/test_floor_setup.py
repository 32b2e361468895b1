"""The coordinator's event pages: create an event, import participants and the catalogue from CSV
(a bad file imports nothing and names line and column), floor links with QR codes, badges, the
speed-meeting plan, and after the gong the follow-up overview (reminders through the outbox) and the
report page with its server-drawn charts."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import sqlalchemy as sa

from service.accounts import create_user
from service.db.engine import create_engine, create_sessionmaker
from service.db.models import OutboxRow
from tests.service.events.live_helpers import server

pytestmark = pytest.mark.anyio

EMAIL, PASSWORD = "koordinator@tonsberg.example", "et-langt-passord-1"


def csrf(html: str) -> str:
    m = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert m, html[:400]
    return m.group(1)


async def _user(url: str) -> None:
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine)() as s, s.begin():
            await create_user(s, email=EMAIL, password=PASSWORD, role="coordinator", name="Koordinator")
    finally:
        await engine.dispose()


@asynccontextmanager
async def _signed_in(db_url: str) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    """A server over the test register and a client signed in to its pages as the coordinator: (base URL,
    client). The pages are the same on both databases: a PostgreSQL run skips."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the pages are the same on both databases")
    await _user(db_url)
    with server(db_url, {"SAMSPILL_SECURE_COOKIES": "0"}) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=True) as web:
            login = await web.get("/login")
            r = await web.post("/login", data={"_csrf_token": csrf(login.text), "email": EMAIL, "password": PASSWORD})
            assert r.status_code == 200
            yield base, web


PARTICIPANTS_BAD = "navn;sektor;kontakt\nRøde Kors;frivillig organisasjon;rk@example.org\nBilhuset;firma;\n"
PARTICIPANTS = ("navn;sektor;kontakt\nRøde Kors;frivillig organisasjon;leder@rk.example.org\n"
                "Bilhuset AS;næringsliv;post@bilhuset.example.org\nEik sykehjem;offentlig;frivillig@eik.example.org\n")
CATALOGUE = ("type;deltaker;kategori;tittel;stikkord;timer\n"
             "tilbud;Bilhuset AS;Utstyr og lokaler;Minibuss en lørdag;transport;\n"
             "behov;Røde Kors;Utstyr og lokaler;Transport til sommertur;transport;\n"
             "behov;Eik sykehjem;Hender;Turvenner;tur;6\n")


CATALOGUE_BAD = "type;deltaker;kategori;tittel;timer;enheter\nsalg;Ukjent;penger;;abc;\n"
PARTICIPANTS_BAD_NB = ["linje 3, sektor: «firma» er ikke en sektor (en av frivillig organisasjon, næringsliv, "
                       "offentlig, privatperson)",
                       "linje 3, kontakt: må fylles ut (kontaktperson, e-post eller telefon)",
                       "linje 1, kolonne 4: «pris» er ikke en kjent kolonne"]
CATALOGUE_BAD_NB = ["linje 2, type: «salg» er verken tilbud eller behov",
                    "linje 2, deltaker: «Ukjent» er ikke deltaker på denne børsen (id eller navn)",
                    "linje 2, kategori: «penger» er ikke en kategori (en av hender, kunnskap og ferdigheter, "
                    "utstyr og lokaler, hjelp på arrangement)",
                    "linje 2, timer: «abc» er ikke et tall", "linje 2, tittel: må fylles ut"]
PARTICIPANTS_BAD_EN = ["line 3, kind: &#39;firma&#39; is not a sector (one of organisation, business, public, "
                       "individual, or in Norwegian)",
                       "line 3, contact: required (contact person, e-mail or phone)",
                       "line 1, column 4: &#39;pris&#39; is not a known column"]
CATALOGUE_BAD_EN = ["line 2, side: &#39;salg&#39; is not offer or need (tilbud or behov)",
                    "line 2, participant: &#39;Ukjent&#39; is not a participant at this event (id or name)",
                    "line 2, category: &#39;penger&#39; is not a category (one of helping hands, "
                    "knowledge and skills, goods and premises, help at an event, or in Norwegian)",
                    "line 2, hours: &#39;abc&#39; is not a number", "line 2, title: required"]
ENGLISH_WORDS = ("line ", "column ", "is not", "required", "a number", "participant at this event")
NORWEGIAN_WORDS = ("linje ", "kolonne ", "er ikke", "må fylles ut", "et tall", "deltaker på denne børsen")


def _problems(html: str) -> str:
    m = re.search(r'<div class="flash error" role="alert" id="import-problems">(.*?)</div>', html, re.S)
    assert m, html[-1500:]
    return m.group(1)


async def _new_event(web: httpx.AsyncClient) -> tuple[str, httpx.Response]:
    """An event made on the coordinator's events page: its id, and the page it lands on."""
    page = await web.get("/events")
    r = await web.post("/events", data={"_csrf_token": csrf(page.text), "name": "Børs", "venue": "Her",
                                        "starts_at": "2027-03-10T17:00", "trading_minutes": "60",
                                        "rounds": "2", "tables": "2"})
    return str(r.url).split("/events/")[1].split("/")[0], r


async def test_a_bad_csv_is_told_in_the_page_language(db_url: str) -> None:
    """The import problems are rendered from their codes: Bokmål on the Bokmål page (no English
    sentence), English on the English one (no Norwegian)."""
    async with _signed_in(db_url) as (_base, web):
        eid, r = await _new_event(web)
        bad_participants = PARTICIPANTS_BAD.replace("navn;sektor;kontakt", "navn;sektor;kontakt;pris")
        for lang, want_p, want_c, foreign in (("nb", PARTICIPANTS_BAD_NB, CATALOGUE_BAD_NB, ENGLISH_WORDS),
                                              ("en", PARTICIPANTS_BAD_EN, CATALOGUE_BAD_EN, NORWEGIAN_WORDS)):
            r = await web.post("/lang", data={"_csrf_token": csrf(r.text), "lang": lang,
                                              "next": f"/events/{eid}/setup"})
            assert f'<html lang="{lang}">' in r.text
            r = await web.post(f"/events/{eid}/setup/import", files={"file": ("p.csv", bad_participants.encode())},
                               data={"_csrf_token": csrf(r.text), "what": "participants"})
            assert r.status_code == 422
            shown = _problems(r.text)
            for text in want_p:
                assert text in shown, (lang, text, shown)
            assert not [w for w in foreign if w in shown], (lang, shown)
            r = await web.post(f"/events/{eid}/setup/import",
                               data={"_csrf_token": csrf(r.text), "what": "catalogue", "text": CATALOGUE_BAD})
            assert r.status_code == 422
            shown = _problems(r.text)
            for text in want_c:
                assert text in shown, (lang, text, shown)
            assert not [w for w in foreign if w in shown], (lang, shown)


async def test_a_bad_event_form_says_what_to_fix_beside_each_field(db_url: str) -> None:
    """Creating an event with bad input: 422, the typed values back, and each problem beside its field
    in the page's language (never the API's `trading_minutes: a whole number`)."""
    async with _signed_in(db_url) as (_base, web):
        page = await web.get("/events")
        form = {"name": "", "venue": "Biblioteket", "starts_at": "", "trading_minutes": "en time",
                "rounds": "", "tables": "", "description": "Vår første"}
        r = await web.post("/events", data={"_csrf_token": csrf(page.text), **form})
        assert r.status_code == 422
        assert "trading_minutes:" not in r.text and "a whole number" not in r.text
        for name, said in (("name", "Må fylles ut."), ("starts_at", "Skriv dato og klokkeslett."),
                           ("trading_minutes", "Skriv et helt tall.")):
            assert f'<span class="field-error" id="err-{name}">{said}</span>' in r.text, (name, r.text[-3000:])
            assert re.search(rf'name="{name}"[^>]*aria-invalid="true" aria-describedby="err-{name}"', r.text), name
        assert 'value="en time"' in r.text and 'value="Biblioteket"' in r.text and 'value="Vår første"' in r.text
        assert 'id="err-venue"' not in r.text
        r = await web.post("/events", data={"_csrf_token": csrf(r.text), **form, "name": "Børs",
                                            "starts_at": "3026-12-10T17:00", "trading_minutes": "60"})
        assert r.status_code == 422 and 'id="err-starts_at"' in r.text and "3026" in r.text
        # a digit `str.isdigit` takes and `int` refuses: said beside the field, never a 500
        r = await web.post("/events", data={"_csrf_token": csrf(r.text), **form, "trading_minutes": "²"})
        assert r.status_code == 422
        assert '<span class="field-error" id="err-trading_minutes">Skriv et helt tall.</span>' in r.text
        r = await web.post("/lang", data={"_csrf_token": csrf(r.text), "lang": "en", "next": "/events"})
        r = await web.post("/events", data={"_csrf_token": csrf(r.text), **form})
        assert r.status_code == 422
        assert '<span class="field-error" id="err-trading_minutes">Give a whole number.</span>' in r.text


async def test_a_catalogue_entry_with_a_bad_amount_is_told_in_the_page_language(db_url: str) -> None:
    """An amount that is no number (or not whole, for items) is said in the page's language with the
    field's label, never as Python's `amount: could not convert string to float`; nothing is added."""
    async with _signed_in(db_url) as (_base, web):
        eid, r = await _new_event(web)
        for lang, typed, unit, said in (("nb", "mye", "hours", "Hvor mye: Skriv et tall."),
                                        ("nb", "1,5", "items", "Hvor mye: Skriv et helt tall."),
                                        ("en", "nan", "hours", "How much: Give a number.")):
            r = await web.post("/lang", data={"_csrf_token": csrf(r.text), "lang": lang,
                                              "next": f"/events/{eid}/setup"})
            r = await web.post(f"/events/{eid}/setup/entry", data={
                "_csrf_token": csrf(r.text), "side": "offer", "participant": "nobody", "category": "annet",
                "title": "Sykkelverksted", "amount": typed, "unit": unit})
            assert said in r.text, (lang, typed, r.text[-3000:])
            assert "could not convert" not in r.text and "amount:" not in r.text
            assert "Sykkelverksted" not in r.text


async def test_coordinator_sets_up_imports_links_and_follows_up(db_url: str, coordinator: dict[str, str]) -> None:
    async with _signed_in(db_url) as (base, web):
        page = await web.get("/events")
        assert page.status_code == 200 and "Ny børs" in page.text
        r = await web.post("/events", data={"_csrf_token": csrf(page.text), "name": "Frivilligbørs Færder",
                                            "venue": "Biblioteket", "starts_at": "2027-03-10T17:00",
                                            "trading_minutes": "60", "rounds": "2", "tables": "2"})
        assert r.status_code == 200 and "Frivilligbørs Færder" in r.text
        eid = str(r.url).split("/events/")[1].split("/")[0]

        # a bad file: nothing imported, every problem names line and column
        r = await web.post(f"/events/{eid}/setup/import", files={"file": ("p.csv", PARTICIPANTS_BAD.encode())},
                           data={"_csrf_token": csrf(r.text), "what": "participants"})
        assert r.status_code == 422
        assert "linje 3, sektor: «firma» er ikke en sektor" in r.text and "linje 3, kontakt: må fylles ut" in r.text
        api = httpx.AsyncClient(base_url=base, headers=coordinator)
        assert (await api.get(f"/api/v1/events/{eid}/participants")).json() == []
        r = await web.post(f"/events/{eid}/setup/import", files={"file": ("p.csv", PARTICIPANTS.encode())},
                           data={"_csrf_token": csrf(r.text), "what": "participants"})
        assert r.status_code == 200 and "3 linjer importert" in r.text
        r = await web.post(f"/events/{eid}/setup/import",
                           data={"_csrf_token": csrf(r.text), "what": "catalogue", "text": CATALOGUE})
        assert r.status_code == 200, r.text[-1500:]
        assert len((await api.get(f"/api/v1/events/{eid}/needs")).json()) == 2
        assert len((await api.get(f"/api/v1/events/{eid}/offers")).json()) == 1

        # a floor link: shown once with its QR code
        r = await web.post(f"/events/{eid}/setup/links", data={"_csrf_token": csrf(r.text), "role": "broker",
                                                                "name": "Megler 1"})
        assert r.status_code == 200 and "<svg" in r.text and f"/events/{eid}/floor/enter/" in r.text
        badges = await web.get(f"/events/{eid}/setup/badges")
        assert badges.text.count("<svg") == 3
        r = await web.post(f"/events/{eid}/setup/suggestions", data={"_csrf_token": csrf(r.text)})
        assert "1 møter satt opp" in r.text or "møter satt opp" in r.text
        plan = await web.get(f"/events/{eid}/setup/schedule")
        assert "Bilhuset AS – Røde Kors" in plan.text or "Røde Kors – Bilhuset AS" in plan.text

        # through the trading hour by the page's buttons, one agreement over the API
        for action in ("open_catalogue", "gong_open"):
            r = await web.post(f"/events/{eid}/setup/state", data={"_csrf_token": csrf(r.text), "action": action})
            assert r.status_code == 200
        parts = {p["name"]: p["id"] for p in (await api.get(f"/api/v1/events/{eid}/participants")).json()}
        bil, rk = parts["Bilhuset AS"], parts["Røde Kors"]
        a = await api.post(f"/api/v1/events/{eid}/agreements", json={
            "parties": [bil, rk], "gives": [{"from": bil, "kind": "goods", "items": 1, "description": "minibuss"}],
            "asked_by": rk, "title": "Minibuss til sommertur"})
        assert a.status_code == 201, a.text
        r = await web.post(f"/events/{eid}/setup/state", data={"_csrf_token": csrf(r.text), "action": "gong_close"})
        fu = await web.get(f"/events/{eid}/setup/follow-up")
        assert fu.status_code == 200 and "Ikke rapportert" in fu.text and "<svg" in fu.text
        r = await web.post(f"/events/{eid}/setup/follow-up/{a.json()['id']}/remind",
                           data={"_csrf_token": csrf(fu.text)})
        assert "2 påminnelser" in r.text
        # the same day, the same reminder is not queued twice
        r = await web.post(f"/events/{eid}/setup/follow-up/{a.json()['id']}/remind",
                           data={"_csrf_token": csrf(r.text)})
        assert "0 påminnelser" in r.text
        key = (await api.get(f"/api/v1/events/{eid}")).json()["screen_key"]
        report = await web.get(f"/events/{eid}/report?key={key}")
        assert 'id="chart-category"' in report.text and 'id="chart-pairs"' in report.text
        assert ("næringsliv – frivillig organisasjon" in report.text
                or "frivillig organisasjon – næringsliv" in report.text)
        await api.aclose()
    engine = create_engine(db_url)
    try:
        async with create_sessionmaker(engine)() as s:
            rows = (await s.scalars(sa.select(OutboxRow).order_by(OutboxRow.recipient))).all()
    finally:
        await engine.dispose()
    assert [(m.recipient, m.kind) for m in rows] == [("leder@rk.example.org", "follow_up_reminder"),
                                                     ("post@bilhuset.example.org", "follow_up_reminder")]
    assert "/follow-up?key=" in rows[0].body and "Minibuss til sommertur" in rows[0].body
