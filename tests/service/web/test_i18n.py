"""Norwegian from the matcher's codes and data; the English text as the fallback; Oslo time."""

from __future__ import annotations

import datetime as dt

import pytest

from service.web import i18n


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ({"code": "interests", "text": "shares interests: music, chess", "data": {"shared": ["music", "chess"]}},
         "Felles interesser: music og chess"),
        ({"code": "travel", "text": "lives 4.8 km away", "data": {"km": 4.8}}, "Bor 4,8 km unna"),
        ({"code": "priority", "text": "fills a place in a priority-5 need", "data": {"priority": 5}},
         "Fyller en plass i et behov med prioritet 5"),
        ({"code": "pinned", "text": "pinned by the coordinator"}, "Festet av koordinatoren"),
        ({"code": "previous", "text": "keeps a placement already in force"},
         "Beholder en plassering som allerede gjelder"),
        ({"code": "continuity", "text": "has been Besøksvenn at Eik before", "data": {"same_activity": True}},
         "Har vært besøksvenn på Eik sykehjem før"),
        ({"code": "continuity", "text": "has volunteered at Eik before", "data": {"same_activity": False}},
         "Har vært frivillig på Eik sykehjem før"),
        ({"code": "something-new", "text": "a reason the pages do not know yet"}, "a reason the pages do not know yet"),
    ],
)
def test_reason_text_nb(reason, expected):
    assert i18n.reason_text("nb", reason, site="Eik sykehjem", activity="Besøksvenn") == expected


def test_reason_text_en_keeps_english_with_decimal_point():
    assert i18n.reason_text("en", {"code": "travel", "text": "lives 4.8 km away", "data": {"km": 4.8}}) == \
        "Lives 4.8 km away"


@pytest.mark.parametrize(
    ("miss", "expected"),
    [
        ({"rule": "E3", "count": 3, "text": "3 volunteers would qualify with a valid Demensopplæring"},
         "3 frivillige ville kvalifisert med gyldig Demensopplæring"),
        ({"rule": "E1", "count": 1, "text": "1 volunteer would qualify if they took on Turvenn"},
         "1 frivillig ville kvalifisert om de tok på seg Turvenn"),
        ({"rule": "E2", "count": 2, "text": "2 volunteers would qualify once the agreement and confidentiality "
                                             "declaration are signed"},
         "2 frivillige ville kvalifisert når avtale og taushetserklæring er signert"),
        ({"rule": "E4", "count": 1, "text": "1 volunteer would qualify but is under 25 or has no birth date registered"},
         "1 frivillig ville kvalifisert, men er under 25 år eller mangler fødselsdato"),
        ({"rule": "E5", "count": 4, "text": "4 volunteers would qualify with a police certificate shown "
                                             "(at most 3 months old when shown)"},
         "4 frivillige ville kvalifisert med politiattest vist (høyst 3 måneder gammel da den ble vist)"),
        ({"rule": "E6", "count": 6, "text": "6 volunteers are not available on Tuesdays (the need is 10:00–12:00)"},
         "6 frivillige er ikke tilgjengelige på tirsdager (behovet er kl. 10:00–12:00)"),
        ({"rule": "E6", "count": 1, "text": "1 volunteer is available Fridays but only until 11:00 (the need is 10:00–12:00)"},
         "1 frivillig er tilgjengelig på fredager, men bare til kl. 11:00 (behovet er kl. 10:00–12:00)"),
        ({"rule": "E6", "count": 2, "text": "2 volunteers are available Mondays but only from 14:30 (the need is 10:00–12:00)"},
         "2 frivillige er tilgjengelige på mandager, men først fra kl. 14:30 (behovet er kl. 10:00–12:00)"),
        ({"rule": "E6", "count": 1, "text": "1 volunteer is away 2027-01-01 – 2027-01-14, when the need starts"},
         "1 frivillig er borte 01.01.2027 – 14.01.2027, når behovet starter"),
        ({"rule": "E7", "count": 2, "text": "2 volunteers would qualify but speak none of ar, so"},
         "2 frivillige ville kvalifisert, men snakker ingen av ar, so"),
        ({"rule": "E8", "count": 1, "text": "1 volunteer would qualify but lives beyond their maximum travel distance"},
         "1 frivillig ville kvalifisert, men bor lenger unna enn egen maks reiseavstand"),
        ({"rule": "E9", "count": 1, "text": "1 volunteer would qualify but was rejected for this need by the coordinator"},
         "1 frivillig ville kvalifisert, men er avvist for dette behovet av koordinatoren"),
        ({"rule": "C2", "count": 2, "text": "2 volunteers would qualify but have too few weekly hours left (1.5 h needed)"},
         "2 frivillige ville kvalifisert, men har for få ledige timer i uka (1,5 t trengs)"),
        ({"rule": "E3", "count": 1, "text": "an unexpected sentence"}, "an unexpected sentence"),
    ],
)
def test_near_miss_text_nb(miss, expected):
    assert i18n.near_miss_text("nb", miss) == expected


def test_unfilled_summary_nb():
    none = {"summary": "no volunteer meets every rule; of 10 willing, the most common obstacle is: "
                       "not available at the need's times (10); nearest miss: …",
            "excluded": [{"rule": "E6", "excluded": 40, "text": "not available at the need's times"}]}
    assert i18n.unfilled_summary("nb", none) == (
        "Ingen frivillige oppfyller alle reglene. Av 10 villige er det vanligste hinderet: "
        "ikke tilgjengelig på behovets tider (10).")
    assert i18n.unfilled_summary("nb", {"summary": "no volunteer is willing to do Våketjeneste"},
                                 activity="Våketjeneste") == "Ingen frivillige vil gjøre Våketjeneste."
    assert i18n.unfilled_summary("nb", {"summary": "2 volunteers meet every rule but the plan places them elsewhere"}) \
        == "2 frivillige oppfyller alle reglene, men planen plasserer dem et annet sted."
    assert i18n.unfilled_summary("nb", {"summary": "the need has no occurrence inside the planning period"}) == \
        "Behovet har ingen forekomst i planperioden."


def test_elsewhere_text_nb():
    item = {"volunteer": "v1", "need": "n9",
            "text": "placed at 'Turvenn' (n9, priority 4) instead: takes at most 1 assignment(s)"}
    assert i18n.elsewhere_text("nb", item, {"n9": "Turvenn, Eik"}) == \
        "plassert på «Turvenn, Eik» (prioritet 4) i stedet: tar høyst 1 oppdrag"


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


def test_numbers_and_lists_follow_the_locale():
    assert i18n.number("nb", 1234.5) == "1\xa0234,5"
    assert i18n.number("en", 1234.5) == "1,234.5"
    assert i18n.and_list("nb", ["a", "b", "c"]) == "a, b og c"
    assert i18n.weekday("nb", 7) == "søndag"
