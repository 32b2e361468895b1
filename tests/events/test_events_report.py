import csv
import datetime as dt
import io

import msgspec
import pytest
from events_builders import T0, agreement, event, give, need, offer, person

from events.board import board_snapshot
from events.report import (
    build_report,
    catalogue,
    catalogue_csv,
    report_agreements_csv,
    report_summary_csv,
)
from events.schema import FollowUp
from events.valuation import ESTIMATE_LABEL, Rate, Rates, agreement_value, give_value
from service.web.i18n import report_words

PEOPLE = [
    person("rk", "organisation", "Røde Kors"),
    person("bil", "business", "Bilhuset"),
    person("sh", "public", "Sykehjemmet"),
    person("kari", "individual", "Kari"),
]
# Hand-computed with the default rates: goods 250/item, knowledge 800/h, time 400/h,
# event_help 400/h, premises 2000/item, labour 400/h.
AGREEMENTS = [
    agreement("a1", "rk", "bil", give("bil", "goods", items=1), give("rk", "knowledge", hours=3), minutes=0,
              confirmed=True, asked_by="rk"),                                              # 250 + 2400 = 2650
    agreement("a2", "sh", "kari", give("kari", "time", hours=10), minutes=5, asked_by="sh"),  # 4000
    agreement("a3", "rk", "sh", give("rk", "event_help", hours=5), give("sh", "premises", items=2), minutes=10,
              confirmed=True, asked_by="sh"),                                              # 2000 + 4000 = 6000
    agreement("a4", "bil", "sh", give("bil", "labour", hours=2.5), minutes=15),             # 1000
]
FOLLOW_UPS = [
    FollowUp(agreement="a1", status="carried_out", reported_by="Røde Kors", reported_at=T0 + dt.timedelta(days=10)),
    FollowUp(agreement="a2", status="in_progress", reported_by="Sykehjemmet", reported_at=T0 + dt.timedelta(days=5)),
    FollowUp(agreement="a2", status="carried_out", reported_by="Sykehjemmet", reported_at=T0 + dt.timedelta(days=12)),
    FollowUp(agreement="a4", status="not_carried_out", reported_by="Sykehjemmet", note="the van broke down",
             reported_at=T0 + dt.timedelta(days=9)),
]
CLOSED = T0 + dt.timedelta(hours=1)


def test_valuation_hand_computed():
    assert [agreement_value(a).nok for a in AGREEMENTS] == [2650, 4000, 6000, 1000]
    assert agreement_value(AGREEMENTS[0]).label == ESTIMATE_LABEL and "estimate" in ESTIMATE_LABEL


def test_valuation_configurable_rates_and_unvalued_unit():
    rates = Rates(by_kind={"knowledge": Rate(per_hour=1000)}).merged()
    assert agreement_value(AGREEMENTS[0], rates).nok == 250 + 3000
    # Goods are priced per item only: goods given in hours is not valued, and is counted as such.
    assert give_value(give("bil", "goods", hours=3)) is None
    v = agreement_value(agreement("x", "rk", "bil", give("bil", "goods", hours=3), give("rk", "time", hours=1)))
    assert (v.nok, v.unvalued) == (400, 1)


def test_rates_decode_partial_table_from_settings():
    rates = msgspec.json.decode(b'{"by_kind": {"time": {"per_hour": 300}}}', type=Rates).merged()
    assert rates.by_kind["time"].per_hour == 300 and rates.by_kind["knowledge"].per_hour == 800


def report(today=None):
    return build_report(event(), PEOPLE, AGREEMENTS, FOLLOW_UPS, closed_at=CLOSED, today=today)


def test_report_numbers_hand_computed():
    r = report()
    assert r.agreements == 4 and r.confirmed == 2 and r.two_way == 2
    assert r.by_category == {"hands": 2, "knowledge": 0, "goods": 1, "event_help": 1}
    assert r.by_sector_pair == {"business–organisation": 1, "business–public": 1, "individual–public": 1,
                                "organisation–public": 1}
    assert r.by_status == {"carried_out": 2, "in_progress": 0, "not_carried_out": 1, "no_report": 1}
    assert r.follow_up_rate == pytest.approx(0.75)
    assert r.estimated_value_nok == 13650
    assert r.estimated_value_by_category == {"hands": 5000, "knowledge": 0, "goods": 2650, "event_help": 6000}
    assert r.value_label == ESTIMATE_LABEL
    assert [row.follow_up for row in r.rows] == ["carried_out", "carried_out", "no_report", "not_carried_out"]
    assert r.overdue == []


def test_report_overdue_from_day_14_after_closing():
    assert report(today=CLOSED.date() + dt.timedelta(days=13)).overdue == []
    overdue = report(today=CLOSED.date() + dt.timedelta(days=14)).overdue
    assert [(o.agreement, o.parties, o.asked_by, o.days_since_close) for o in overdue] == [
        ("a3", ["Røde Kors", "Sykehjemmet"], "Sykehjemmet", 14)
    ]


def test_report_counts_days_in_oslo():
    """A gong at 23:30 UTC closed trading at 00:30 the next day in Oslo: the days since closing are
    counted from that day (the UTC date made it one more, and listed agreements a day early)."""
    late = dt.datetime(2026, 11, 14, 23, 30, tzinfo=dt.UTC)
    r = build_report(event(), PEOPLE, AGREEMENTS, FOLLOW_UPS, closed_at=late, today=dt.date(2026, 11, 28))
    assert r.overdue == []  # 13 days after 15 November
    r = build_report(event(), PEOPLE, AGREEMENTS, FOLLOW_UPS, closed_at=late,
                     today=dt.datetime(2026, 11, 28, 23, 0, tzinfo=dt.UTC))  # 29 November in Oslo
    assert [o.days_since_close for o in r.overdue] == [14]


def test_report_empty_event():
    r = build_report(event(), PEOPLE, [])
    assert r.agreements == 0 and r.follow_up_rate == 0.0 and r.estimated_value_nok == 0


def test_report_requires_ids_and_known_parties():
    with pytest.raises(ValueError, match="has no id"):
        build_report(event(), PEOPLE, [agreement(None, "rk", "bil", give("rk", "time", hours=1))])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'zz' is not a participant"):
        build_report(event(), PEOPLE, [agreement("q", "rk", "zz", give("rk", "time", hours=1))])


def _parse(text):
    return list(csv.reader(io.StringIO(text)))


def test_report_summary_csv_parses_back():
    rows = _parse(report_summary_csv(report(today=CLOSED.date() + dt.timedelta(days=20))))
    assert rows[0] == ["section", "key", "value"]
    table = {(s, k): v for s, k, v in rows[1:]}
    assert table[("total", "agreements")] == "4"
    assert table[("by_category", "helping hands")] == "2"
    assert table[("by_sector_pair", "business–organisation")] == "1"
    assert table[("by_status", "no_report")] == "1"
    assert table[("follow_up", "rate")] == "0.7500"
    assert table[("estimated_value_nok (estimate)", "total")] == "13650"
    assert "estimate" in table[("estimated_value_nok (estimate)", "note")]
    assert table[("overdue_follow_up", "a3")] == "Røde Kors & Sykehjemmet"


def test_report_csv_norwegian_labels():
    """The domain writes English; the Bokmål words come from the service's catalogue (report_words)."""
    rows = _parse(report_summary_csv(report(), report_words("nb")))
    assert rows[0] == ["del", "nøkkel", "verdi"]
    assert ["by_category", "Utstyr og lokaler", "1"] in rows
    assert any(r[0] == "anslått verdi kr (anslag)" and r[1] == "total" and r[2] == "13650" for r in rows)


def test_report_agreements_csv_parses_back():
    rows = _parse(report_agreements_csv(report()))
    head, body = rows[0], rows[1:]
    assert head[8] == "estimated_value_nok (estimate)"
    records = [dict(zip(head, r, strict=True)) for r in body]
    assert [r["agreement"] for r in records] == ["a1", "a2", "a3", "a4"]
    assert records[0]["party_1"] == "Røde Kors" and records[0]["category"] == "goods and premises"
    assert records[3]["hours"] == "2.5" and records[3]["estimated_value_nok (estimate)"] == "1000"
    assert sum(int(r["estimated_value_nok (estimate)"]) for r in records) == 13650


CATALOGUE = (
    PEOPLE,
    [
        offer("o1", "bil", "goods", "Lend a minibus", ["transport"], items=1),
        offer("o2", "kari", "hands", "Walks, with a comma, and \"quotes\"", ["walking", "outdoor"], hours=10),
        offer("o3", "rk", "knowledge", "First-aid course", ["first aid"], hours=3),
    ],
    [
        need("n1", "rk", "hands", "Drivers for a summer trip", ["transport"], hours=6),
        need("n2", "sh", "event_help", "Music for the summer party", ["music"]),
        need("n3", "sh", "goods", "Meeting room", ["premises"], items=1),
    ],
)


def test_catalogue_grouped_by_category_in_fixed_order():
    sections = catalogue(*CATALOGUE)
    assert [s.label for s in sections] == ["helping hands", "knowledge and skills", "goods and premises",
                                           "help at an event"]
    assert [i.entry for i in sections[0].offers] == ["o2"] and [i.entry for i in sections[0].needs] == ["n1"]
    assert [i.entry for i in sections[2].offers + sections[2].needs] == ["o1", "n3"]
    nb = catalogue(*CATALOGUE, report_words("nb"))
    assert [s.label for s in nb] == [
        "Hender",
        "Kunnskap og ferdigheter",
        "Utstyr og lokaler",
        "Hjelp på arrangement",
    ]


def test_catalogue_csv_parses_back_grouped():
    rows = _parse(catalogue_csv(*CATALOGUE))
    head, body = rows[0], rows[1:]
    assert head[:3] == ["category", "side", "participant"]
    assert [(r[0], r[1], r[5]) for r in body] == [
        ("helping hands", "offer", 'Walks, with a comma, and "quotes"'),
        ("helping hands", "need", "Drivers for a summer trip"),
        ("knowledge and skills", "offer", "First-aid course"),
        ("goods and premises", "offer", "Lend a minibus"),
        ("goods and premises", "need", "Meeting room"),
        ("help at an event", "need", "Music for the summer party"),
    ]
    assert body[0][7] == "walking; outdoor" and body[0][8] == "10" and body[3][9] == "1"
    nb = _parse(catalogue_csv(*CATALOGUE, report_words("nb")))
    assert nb[0][0] == "kategori" and nb[1][:2] == ["Hender", "Tilbud"] and nb[2][1] == "Behov"


def test_board_snapshot_hand_computed():
    b = board_snapshot(AGREEMENTS, PEOPLE, latest=2, leaders=4)
    assert (b.total, b.confirmed, b.two_way, b.estimated_value_nok) == (4, 2, 2, 13650)
    assert b.per_category == {"hands": 2, "knowledge": 0, "goods": 1, "event_help": 1}
    assert [line.agreement for line in b.latest] == ["a4", "a3"]
    assert b.latest[0].summary == "Bilhuset gives labour (2.5 h) to Sykehjemmet"
    assert b.latest[0].summary_nb == ""  # the domain writes no Bokmål: the service renders it from the gives
    assert [(x.participant, x.agreements, x.estimated_value_nok) for x in b.leaders_by_agreements] == [
        ("sh", 3, 11000),
        ("rk", 2, 8650),
        ("bil", 2, 3650),
        ("kari", 1, 4000),
    ]
    assert [x.participant for x in b.leaders_by_value] == ["sh", "rk", "kari", "bil"]
    assert "estimate" in b.value_label


def test_board_snapshot_empty_and_latest_limit():
    b = board_snapshot([], PEOPLE)
    assert b.total == 0 and b.latest == [] and b.leaders_by_agreements == []
    assert len(board_snapshot(AGREEMENTS, PEOPLE, latest=1, leaders=1).leaders_by_value) == 1
