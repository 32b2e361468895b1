"""The event's state machine: draft → catalogue_open → trading → closed → follow_up → archived.

The gong opens the trading hour (catalogue_open → trading) and closes it (trading →
closed); agreements are registered only while trading. Every move is a `Transition`
record with its time, so the service can store the history and replay it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal, TypeAlias, TypeGuard

from msgspec import Struct

from events.schema import EventState

Action: TypeAlias = Literal["open_catalogue", "gong_open", "gong_close", "start_follow_up", "archive"]

STATES: tuple[EventState, ...] = ("draft", "catalogue_open", "trading", "closed", "follow_up", "archived")
ACTIONS: tuple[Action, ...] = ("open_catalogue", "gong_open", "gong_close", "start_follow_up", "archive")

# The only legal moves. The path is linear on purpose: an event that is closed does not
# reopen for trading (agreements made after the gong would not be the event's).
TRANSITIONS: dict[tuple[EventState, Action], EventState] = {
    ("draft", "open_catalogue"): "catalogue_open",
    ("catalogue_open", "gong_open"): "trading",
    ("trading", "gong_close"): "closed",
    ("closed", "start_follow_up"): "follow_up",
    ("follow_up", "archive"): "archived",
}

GONG_ACTIONS: dict[Literal["open", "close"], Action] = {"open": "gong_open", "close": "gong_close"}


class Transition(Struct, frozen=True, kw_only=True):
    """One recorded move of the event's state."""

    from_state: EventState
    to_state: EventState
    action: Action
    at: dt.datetime


class IllegalTransition(ValueError):
    """The action is not allowed in the event's current state."""

    def __init__(self, state: str, action: str, message: str) -> None:
        super().__init__(message)
        self.state = state
        self.action = action


def allowed_actions(state: EventState) -> list[Action]:
    return [a for (s, a) in TRANSITIONS if s == state]


def is_action(name: str) -> TypeGuard[Action]:
    return name in ACTIONS


def transition(state: EventState, action: str, at: dt.datetime) -> tuple[EventState, Transition]:
    """Apply `action` to `state` at time `at`; raise `IllegalTransition` naming the state if illegal."""
    if state not in STATES:
        raise IllegalTransition(state, action, f"unknown event state {state!r}")
    if not is_action(action):
        raise IllegalTransition(state, action, f"unknown action {action!r} (one of {', '.join(ACTIONS)})")
    new_state = TRANSITIONS.get((state, action))
    if new_state is None:
        allowed = allowed_actions(state)
        hint = f"allowed: {', '.join(allowed)}" if allowed else "the event is archived; nothing more can happen"
        raise IllegalTransition(state, action, f"cannot {action} while the event is {state} ({hint})")
    return new_state, Transition(from_state=state, to_state=new_state, action=action, at=at)


def ring_gong(state: EventState, gong: Literal["open", "close"], at: dt.datetime) -> tuple[EventState, Transition]:
    """The børsgeneral's gong: `open` starts the trading hour, `close` ends it."""
    if gong not in GONG_ACTIONS:
        raise IllegalTransition(state, str(gong), f"the gong either opens or closes, not {gong!r}")
    return transition(state, GONG_ACTIONS[gong], at)


def can_register_agreement(state: EventState) -> bool:
    """Agreements are made only during the trading hour (børstime)."""
    return state == "trading"


def check_can_register_agreement(state: EventState) -> None:
    """Raise `IllegalTransition` with a clear message unless the trading hour is on."""
    if not can_register_agreement(state):
        when = {
            "draft": "the catalogue is not even open yet",
            "catalogue_open": "the trading hour has not been opened with the gong",
            "closed": "the gong has closed the trading hour",
            "follow_up": "the event is in follow-up",
            "archived": "the event is archived",
        }.get(state, "")
        raise IllegalTransition(
            state,
            "register_agreement",
            f"agreements can only be registered while trading; the event is {state} ({when})",
        )


def replay(history: Iterable[Transition], start: EventState = "draft") -> EventState:
    """The state a stored history leads to, checking each record follows from the last and
    that time never runs backwards."""
    state = start
    last_at: dt.datetime | None = None
    for i, record in enumerate(history):
        if record.from_state != state:
            raise IllegalTransition(
                state,
                record.action,
                f"history[{i}] starts from {record.from_state} but the event was {state}",
            )
        if last_at is not None and record.at < last_at:
            raise IllegalTransition(
                state, record.action, f"history[{i}] at {record.at} is before the previous move"
            )
        state, _ = transition(state, record.action, record.at)
        if state != record.to_state:
            raise IllegalTransition(
                state, record.action, f"history[{i}] claims {record.to_state}, the move gives {state}"
            )
        last_at = record.at
    return state


def time_of(history: Iterable[Transition], action: Action) -> dt.datetime | None:
    """When `action` happened (e.g. `gong_close` is the closing time the follow-up clock starts from)."""
    for record in history:
        if record.action == action:
            return record.at
    return None
