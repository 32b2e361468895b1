import copy
import datetime as dt

import msgspec
import pytest
from events_builders import T0, agreement, give

from events.board import board_snapshot
from events.schema import (
    Agreement,
    AgreementConfirmed,
    AgreementRegistered,
    BoardSnapshotMessage,
    ExchangeEvent,
    Gong,
    Need,
    PayloadError,
    decode_agreement,
    decode_live,
    encode_live,
    validate_agreement_payload,
    validate_entry_payload,
)

GOOD = {
    "parties": ["rode-kors", "bilhuset"],
    "gives": [
        {"from": "bilhuset", "kind": "goods", "items": 1, "description": "lend a minibus for a day"},
        {"from": "rode-kors", "kind": "knowledge", "hours": 3, "description": "first-aid course for staff"},
    ],
    "asked_by": "rode-kors",
}


def with_(path_setter):
    raw = copy.deepcopy(GOOD)
    path_setter(raw)
    return raw


def test_validate_agreement_good_payload_has_no_problems_and_decodes():
    assert validate_agreement_payload(GOOD) == []
    a = decode_agreement(GOOD, participants={"rode-kors", "bilhuset"})
    assert a.gives[0].from_ == "bilhuset" and a.is_two_way and a.primary_category == "goods"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda r: r["gives"][0].update(kind="money"), "gives[0].kind: money is never part of an agreement"),
        (lambda r: r["gives"][0].update(kind="Cash"), "gives[0].kind: Cash is never part of an agreement"),
        (lambda r: r["gives"][0].update(kind="penger"), "gives[0].kind: penger is never part of an agreement"),
        (lambda r: r.update(amount_nok=5000), "amount_nok: money is never part of an agreement"),
        (lambda r: r.update(price=100), "price: money is never part of an agreement"),
        (lambda r: r.update(money=1), "money: money is never part of an agreement"),
        (lambda r: r.update(kroner=1), "kroner: money is never part of an agreement"),
        (lambda r: r.update(value_nok=1), "value_nok: money is never part of an agreement"),
        (lambda r: r.update(currency="NOK"), "currency: money is never part of an agreement"),
        (lambda r: r.update(valueNOK=1), "valueNOK: money is never part of an agreement"),
        (lambda r: r.update(pris=1), "pris: money is never part of an agreement"),
        (lambda r: r["gives"][1].update(price_per_hour=400), "gives[1].price_per_hour: money is never part"),
        (lambda r: r["gives"][0].update(amountNok=10), "gives[0].amountNok: money is never part"),
        (lambda r: r.update(extra={"nested": {"fee": 2}}), "extra.nested.fee: money is never part"),
        (lambda r: r["gives"].append({"from": "bilhuset", "kind": "money", "items": 500}), "gives[2].kind: money"),
    ],
)
def test_validate_agreement_money_rejected_in_every_form(mutate, expected):
    problems = validate_agreement_payload(with_(mutate))
    assert any(p.startswith(expected) for p in problems), problems


def test_validate_agreement_money_kind_not_reported_twice_as_unknown_kind():
    problems = validate_agreement_payload(with_(lambda r: r["gives"][0].update(kind="money")))
    assert problems == ["gives[0].kind: money is never part of an agreement"]


def test_validate_agreement_money_kind_cannot_be_decoded_either():
    raw = with_(lambda r: r["gives"][0].update(kind="money"))
    with pytest.raises(msgspec.ValidationError):
        msgspec.convert(raw, Agreement)
    with pytest.raises(PayloadError) as err:
        decode_agreement(raw)
    assert err.value.problems == ["gives[0].kind: money is never part of an agreement"]


def test_validate_agreement_same_party_twice():
    problems = validate_agreement_payload(with_(lambda r: r.update(parties=["bilhuset", "bilhuset"])))
    assert any("the same party appears twice ('bilhuset')" in p for p in problems)
    with pytest.raises(msgspec.ValidationError, match="two distinct parties"):
        msgspec.convert(with_(lambda r: r.update(parties=["bilhuset", "bilhuset"])), Agreement)


@pytest.mark.parametrize("parties", [[], ["a"], ["a", "b", "c"]])
def test_validate_agreement_not_two_parties(parties):
    problems = validate_agreement_payload(with_(lambda r: r.update(parties=parties)))
    assert f"parties: an agreement has exactly two parties (got {len(parties)})" in problems


def test_validate_agreement_give_from_non_party():
    problems = validate_agreement_payload(with_(lambda r: r["gives"][1].update({"from": "sparebanken"})))
    assert problems == ["gives[1].from: 'sparebanken' is not one of the parties"]
    with pytest.raises(msgspec.ValidationError, match="not one of the parties"):
        msgspec.convert(with_(lambda r: r["gives"][1].update({"from": "sparebanken"})), Agreement)


def test_validate_agreement_no_gives():
    assert "gives: at least one give is required" in validate_agreement_payload(with_(lambda r: r.update(gives=[])))[0]
    assert "gives: at least one give" in validate_agreement_payload(with_(lambda r: r.pop("gives")))[0]


@pytest.mark.parametrize(
    ("give_patch", "expected"),
    [
        ({"items": 0}, "gives[0].items: must be more than zero (got 0)"),
        ({"items": -2}, "gives[0].items: must be more than zero (got -2)"),
        ({"items": 1.5}, "gives[0].items: expected a whole number of items"),
        ({"items": None, "hours": 0}, "gives[0].hours: must be more than zero (got 0)"),
        ({"items": None}, "gives[0]: give exactly one of `hours` or `items`"),
        ({"hours": 2}, "gives[0]: give exactly one of `hours` or `items`"),
        ({"items": "3"}, "gives[0].items: expected a number, got str"),
        ({"kind": "massage"}, "gives[0].kind: 'massage' is not a kind of help"),
    ],
)
def test_validate_agreement_give_amounts_and_kinds(give_patch, expected):
    problems = validate_agreement_payload(with_(lambda r: r["gives"][0].update(give_patch)))
    assert any(p.startswith(expected) for p in problems), problems


def test_validate_agreement_unknown_participants_and_asked_by():
    problems = validate_agreement_payload(GOOD, participants={"rode-kors"})
    assert problems == ["parties[1]: 'bilhuset' is not a participant at this event"]
    problems = validate_agreement_payload(with_(lambda r: r.update(asked_by="x")))
    assert problems == ["asked_by: 'x' is not one of the parties"]


def test_validate_agreement_unknown_field_and_not_an_object():
    assert validate_agreement_payload([1, 2]) == ["agreement: expected a JSON object"]
    problems = validate_agreement_payload(with_(lambda r: r.update(colour="red")))
    assert len(problems) == 1 and "unknown field `colour`" in problems[0]


def test_validate_entry_payload_rejects_money():
    raw = {"id": "n1", "participant": "p", "category": "hands", "title": "drivers", "price": 300}
    assert validate_entry_payload(raw, "need") == ["price: money is never part of the exchange (remove the field)"]
    raw.pop("price")
    assert validate_entry_payload(raw, "need") == []
    assert msgspec.convert(raw, Need).title == "drivers"


def test_event_rounds_and_tables_together():
    base = {"id": "e", "name": "Børs", "starts_at": "2025-10-16T17:00:00+02:00", "venue": "Rådhuset"}
    assert not msgspec.convert(base, ExchangeEvent).has_speed_meetings
    assert msgspec.convert({**base, "rounds": 6, "tables": 20}, ExchangeEvent).has_speed_meetings
    with pytest.raises(msgspec.ValidationError, match="both `rounds` and `tables`"):
        msgspec.convert({**base, "rounds": 6}, ExchangeEvent)


def test_live_messages_round_trip_with_type_tag():
    a = agreement("a1", "x", "y", give("x", "time", hours=2))
    messages = [
        AgreementRegistered(agreement=a, at=T0),
        AgreementConfirmed(agreement="a1", confirmed_by="notarius", at=T0),
        Gong(action="open", at=T0, state="trading"),
        BoardSnapshotMessage(board=board_snapshot([a]), at=T0),
    ]
    for m in messages:
        data = encode_live(m)
        assert msgspec.json.decode(data)["type"] in {
            "agreement_registered", "agreement_confirmed", "gong", "board_snapshot"
        }
        assert decode_live(data) == m
    assert b'"from":"x"' in encode_live(messages[0])


def test_live_message_unknown_type_rejected():
    with pytest.raises(msgspec.ValidationError):
        decode_live(b'{"type": "payment", "at": "2025-10-16T17:00:00Z"}')


def test_agreement_one_way_is_not_two_way():
    a = agreement("a1", "x", "y", give("x", "premises", items=1))
    assert not a.is_two_way and a.primary_category == "goods"
    assert agreement("a2", "x", "y", give("x", "time", hours=1), category="event_help").primary_category == "event_help"
    assert a.registered_at == T0 + dt.timedelta(0)
