"""Norwegian from the matcher's codes and data; the English text as the fallback; Oslo time."""

from __future__ import annotations

import datetime as dt

import pytest

from service.web import i18n


class Names(i18n.NoNames):
    def site(self, sid: str | None) -> str:
        return {"eik": "Eik sykehjem"}.get(sid or "", sid or "")

    def activity(self, aid: str | None) -> str:
        return {"besoksvenn": "Besøksvenn", "vake": "Våketjeneste"}.get(aid or "", aid or "")

    def training(self, tid: str) -> str:
        return {"demens": "Demensopplæring"}.get(tid, tid)

    def need_title(self, nid: str) -> str:
        return {"n9": "Turvenn, Eik", "n2": "Besøk onsdag"}.get(nid, nid)


@pytest.mark.parametrize(
    ("reason", "nb", "en"),
    [
        ({"code": "interests", "data": {"shared": ["music", "chess"]}},
         "Felles interesser: music og chess", "Shared interests: music and chess"),
        ({"code": "travel", "data": {"km": 4.8}}, "Bor 4,8 km unna", "Lives 4.8 km away"),
        ({"code": "priority", "data": {"priority": 5}},
         "Fyller en plass i et behov med prioritet 5", "Fills a place in a priority-5 need"),
        ({"code": "pinned"}, "Festet av koordinatoren", "Pinned by the coordinator"),
        ({"code": "previous"}, "Beholder en plassering som allerede gjelder", "Keeps a placement already in force"),
        ({"code": "continuity", "data": {"same_activity": True, "site": "eik", "activity": "besoksvenn"}},
         "Har vært besøksvenn på Eik sykehjem før", "Has been besøksvenn at Eik sykehjem before"),
        ({"code": "continuity", "data": {"same_activity": False, "site": "eik", "activity": "besoksvenn"}},
         "Har vært frivillig på Eik sykehjem før", "Has volunteered at Eik sykehjem before"),
        ({"code": "away", "data": {"away": 2, "of": 4, "dates": ["2027-01-14", "2027-01-21"]}},
         "Borte 2 av 4 datoer: 14.01.2027 og 21.01.2027; tjenestestedet kan trenge en vikar",
         "Away on 2 of 4 dates: 14/01/2027 and 21/01/2027; the site may need cover"),
        ({"text": "a reason stored before codes"}, "a reason stored before codes", "a reason stored before codes"),
    ],
)
def test_reason_text_from_code_and_data(reason, nb, en):
    assert i18n.reason_text("nb", reason, Names()) == nb
    assert i18n.reason_text("en", reason, Names()) == en


@pytest.mark.parametrize(
    ("miss", "nb", "en"),
    [
        ({"code": "training-missing", "count": 3, "data": {"training": "demens"}},
         "3 frivillige ville kvalifisert med gyldig Demensopplæring",
         "3 volunteers would qualify with a valid Demensopplæring"),
        ({"code": "not-available-on-day", "count": 6, "data": {"weekday": 2, "start": "10:00", "end": "12:00"}},
         "6 frivillige er ikke tilgjengelige på tirsdager (behovet er kl. 10:00–12:00)",
         "6 volunteers are not available on Tuesdays (the need is 10:00–12:00)"),
        ({"code": "available-until", "count": 1,
          "data": {"weekday": 5, "time": "11:00", "start": "10:00", "end": "12:00"}},
         "1 frivillig er tilgjengelig på fredager, men bare til kl. 11:00 (behovet er kl. 10:00–12:00)",
         "1 volunteer is available on Fridays but only until 11:00 (the need is 10:00–12:00)"),
        ({"code": "away-at-start", "count": 1, "data": {"from": "2027-01-01", "to": "2027-01-14"}},
         "1 frivillig er borte 01.01.2027 – 14.01.2027, når behovet starter",
         "1 volunteer is away 01/01/2027 – 14/01/2027, when the need starts"),
        ({"code": "language", "count": 2, "data": {"languages": ["ar", "so"]}},
         "2 frivillige ville kvalifisert, men snakker ikke ar eller so",
         "2 volunteers would qualify but do not speak ar or so"),
        ({"code": "over-hours", "count": 2, "data": {"hours": 1.5}},
         "2 frivillige ville kvalifisert, men har for få ledige timer i uka (1,5 t i behovets travleste uke)",
         "2 volunteers would qualify but have too few weekly hours (1.5 h in the need's busiest week)"),
        ({"rule": "E3", "count": 1, "text": "an old sentence"}, "an old sentence", "an old sentence"),
    ],
)
def test_near_miss_text_from_code_and_data(miss, nb, en):
    assert i18n.near_miss_text("nb", miss, Names()) == nb
    assert i18n.near_miss_text("en", miss, Names()) == en


def test_unfilled_summary_from_code_and_data():
    none = {"summary": "…", "code": "none-eligible",
            "data": {"willing": 10, "obstacle": "E6", "obstacle_count": 10, "here": 0}}
    assert i18n.unfilled_summary("nb", none) == (
        "Ingen frivillige oppfyller alle reglene. Av 10 villige er det vanligste hinderet: "
        "ikke tilgjengelig på behovets tider (10).")
    assert i18n.unfilled_summary("nb", {"code": "unwilling", "data": {"activity": "vake"}}, Names()) \
        == "Ingen frivillige vil gjøre våketjeneste."
    assert i18n.unfilled_summary("en", {"code": "no-occurrence"}) == \
        "The need has no occurrence inside the planning period."


def test_elsewhere_and_conflict_and_at_risk_from_code_and_data():
    item = {"volunteer": "v1", "need": "n9", "code": "over-assignments",
            "data": {"need": "n9", "priority": 4, "max_assignments": 1, "week": "2027-01-04"}}
    assert i18n.elsewhere_text("nb", item, Names()) == \
        "plassert på «Turvenn, Eik» (prioritet 4) i stedet: tar høyst 1 oppdrag i uka"
    assert i18n.elsewhere_text("en", item, Names()) == \
        "placed at “Turvenn, Eik” (priority 4) instead: takes at most 1 assignment a week"
    conflict = {"rule": "C3", "code": "overlap", "data": {"other_need": "n2", "date": "2027-01-13"}}
    assert i18n.conflict_text("nb", conflict, Names()) == \
        "Festene kan ikke alle holde: behovet overlapper «Besøk onsdag» 13.01.2027"
    risk = {"rule": "E8", "code": "too-far", "data": {"km": 12.3, "max_km": 10.0}}
    assert i18n.at_risk_text("nb", risk) == "Bor 12,3 km unna, lenger enn egen grense på 10 km: avslutt plasseringen"
    assert i18n.at_risk_text("en", risk) == "Lives 12.3 km away, beyond their limit of 10 km: end the placement"


def test_every_rule_has_a_norwegian_name():
    from matcher.rules import RULE_NAMES

    for rule in RULE_NAMES:
        assert i18n.rule_name("nb", rule) != f"rule.{rule}"
        assert i18n.rule_name("nb", rule) != RULE_NAMES[rule]


def test_a_missing_key_falls_back_to_the_key():
    assert i18n.t("nb", "no.such.key") == "no.such.key"
    assert i18n.t("en", "need.open", n=2) == "2 open"


def test_datetime_is_oslo_wall_clock():
    # 23:30 UTC in winter is 00:30 the next day in Oslo; in summer 01:30.
    assert i18n.datetime("nb", dt.datetime(2026, 11, 26, 23, 30, tzinfo=dt.UTC)) == "27. november 2026 kl. 00:30"
    assert i18n.datetime("en", dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)) == "2 July 2026 at 01:30"
    assert i18n.date("nb", dt.date(2027, 3, 5)) == "5. mars 2027"
    assert i18n.date("en", dt.date(2027, 3, 5)) == "5 March 2027"
    assert i18n.short_date("nb", "2027-03-05") == "05.03.2027"


def test_an_occurrence_start_is_shown_at_its_wall_clock_time_and_date():
    """An occurrence's start is held naive, as Oslo's wall clock (attendance): 10:00 is shown as 10:00 in
    winter and summer, not read as UTC (11:00, 12:00); 23:30 on a Monday keeps Monday's date, not the one
    a UTC server's zone gives it (Tuesday)."""
    assert i18n.wall_datetime("nb", dt.datetime(2027, 1, 4, 10, 0)) == "4. januar 2027 kl. 10:00"
    assert i18n.wall_datetime("en", dt.datetime(2027, 6, 7, 10, 0)) == "7 June 2027 at 10:00"
    assert i18n.date("nb", dt.datetime(2027, 1, 4, 23, 30)) == "4. januar 2027"
    assert i18n.short_date("nb", dt.datetime(2027, 6, 7, 23, 30)) == "07.06.2027"
    # An aware moment is still read in Oslo.
    assert i18n.wall_datetime("nb", dt.datetime(2027, 1, 4, 9, 0, tzinfo=dt.UTC)) == "4. januar 2027 kl. 10:00"
    assert i18n.date("nb", dt.datetime(2027, 1, 4, 23, 30, tzinfo=dt.UTC)) == "5. januar 2027"


def test_numbers_and_lists_follow_the_locale():
    assert i18n.number("nb", 1234.5) == "1\xa0234,5"
    assert i18n.number("en", 1234.5) == "1,234.5"
    assert i18n.and_list("nb", ["a", "b", "c"]) == "a, b og c"
    assert i18n.weekday("nb", 7) == "søndag"


def test_give_summary_from_the_gives_in_both_languages():
    from events.schema import Agreement, Give

    a = Agreement(id="a1", parties=["bil", "sh"], gives=[
        Give(from_="bil", kind="labour", hours=2.5),
        Give(from_="sh", kind="goods", items=1, description="kaffe"),
    ])
    names = {"bil": "Bilhuset", "sh": "Sykehjemmet"}
    assert i18n.give_summary("nb", a.parties, a.gives, names) == \
        "Bilhuset gir arbeid (2,5 t) til Sykehjemmet; Sykehjemmet gir utstyr (1 stk.): kaffe til Bilhuset"
    assert i18n.give_summary("en", a.parties, a.gives, names) == \
        "Bilhuset gives labour (2.5 h) to Sykehjemmet; Sykehjemmet gives goods (1 item): kaffe to Bilhuset"
