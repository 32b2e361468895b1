import datetime as dt
import itertools

import pytest

from events.lifecycle import (
    ACTIONS,
    STATES,
    TRANSITIONS,
    IllegalTransition,
    Transition,
    allowed_actions,
    can_register_agreement,
    check_can_register_agreement,
    replay,
    ring_gong,
    time_of,
    transition,
)

T0 = dt.datetime(2025, 10, 16, 17, 0, tzinfo=dt.UTC)

LEGAL = [
    ("draft", "open_catalogue", "catalogue_open"),
    ("catalogue_open", "gong_open", "trading"),
    ("trading", "gong_close", "closed"),
    ("closed", "start_follow_up", "follow_up"),
    ("follow_up", "archive", "archived"),
]


@pytest.mark.parametrize(("state", "action", "expected"), LEGAL)
def test_transition_legal_moves_record_time(state, action, expected):
    new_state, record = transition(state, action, T0)
    assert new_state == expected
    assert record == Transition(from_state=state, to_state=expected, action=action, at=T0)


def test_transition_table_is_exactly_the_linear_path():
    assert {(s, a): t for s, a, t in LEGAL} == TRANSITIONS


ILLEGAL = [(s, a) for s, a in itertools.product(STATES, ACTIONS) if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("state", "action"), ILLEGAL)
def test_transition_illegal_moves_name_the_state(state, action):
    with pytest.raises(IllegalTransition) as err:
        transition(state, action, T0)
    assert f"while the event is {state}" in str(err.value)
    assert err.value.state == state and err.value.action == action


def test_transition_illegal_lists_what_is_allowed():
    with pytest.raises(IllegalTransition, match="allowed: gong_open"):
        transition("catalogue_open", "gong_close", T0)
    with pytest.raises(IllegalTransition, match="archived; nothing more"):
        transition("archived", "archive", T0)


def test_transition_unknown_state_or_action():
    with pytest.raises(IllegalTransition, match="unknown event state"):
        transition("open", "gong_open", T0)  # type: ignore[arg-type]
    with pytest.raises(IllegalTransition, match="unknown action"):
        transition("draft", "publish", T0)  # type: ignore[arg-type]


def test_gong_opens_and_closes_the_trading_hour():
    state, opened = ring_gong("catalogue_open", "open", T0)
    assert state == "trading" and opened.action == "gong_open"
    state, closed = ring_gong(state, "close", T0 + dt.timedelta(hours=1))
    assert state == "closed" and closed.action == "gong_close"


@pytest.mark.parametrize("state", [s for s in STATES if s != "catalogue_open"])
def test_gong_open_illegal_outside_catalogue_open(state):
    with pytest.raises(IllegalTransition, match=state):
        ring_gong(state, "open", T0)


@pytest.mark.parametrize("state", [s for s in STATES if s != "trading"])
def test_gong_close_illegal_outside_trading(state):
    with pytest.raises(IllegalTransition, match=state):
        ring_gong(state, "close", T0)


def test_gong_other_action_rejected():
    with pytest.raises(IllegalTransition, match="opens or closes"):
        ring_gong("catalogue_open", "ring", T0)  # type: ignore[arg-type]


@pytest.mark.parametrize("state", STATES)
def test_agreements_only_while_trading(state):
    assert can_register_agreement(state) == (state == "trading")
    if state == "trading":
        check_can_register_agreement(state)
    else:
        with pytest.raises(IllegalTransition, match=f"the event is {state}"):
            check_can_register_agreement(state)


def _history():
    state, history = "draft", []
    for i, (_, action, _) in enumerate(LEGAL):
        state, record = transition(state, action, T0 + dt.timedelta(minutes=10 * i))
        history.append(record)
    return history


def test_replay_full_history_and_time_of_close():
    history = _history()
    assert replay(history) == "archived"
    assert replay(history[:3]) == "closed"
    assert time_of(history, "gong_close") == T0 + dt.timedelta(minutes=20)
    assert time_of(history[:1], "gong_close") is None


def test_replay_rejects_gap_and_time_running_backwards():
    history = _history()
    with pytest.raises(IllegalTransition, match="starts from catalogue_open but the event was draft"):
        replay(history[1:])
    backwards = [
        history[0],
        Transition(
            from_state="catalogue_open", to_state="trading", action="gong_open", at=T0 - dt.timedelta(1)
        ),
    ]
    with pytest.raises(IllegalTransition, match="before the previous move"):
        replay(backwards)


def test_allowed_actions_each_state_has_one_except_archived():
    assert [len(allowed_actions(s)) for s in STATES] == [1, 1, 1, 1, 1, 0]
