"""The onboarding checklist: each DOMAIN.md step, the police certificate only where needed."""

from __future__ import annotations

import datetime as dt

import msgspec

from matcher.schema import HeldTraining, Volunteer
from service.register.onboarding import checklist, missing, training_status

TODAY = dt.date(2027, 1, 10)
ACTIVITIES = {"besoksvenn": {"id": "besoksvenn"}, "leksehjelp": {"id": "leksehjelp", "police_certificate": True}}
TRAININGS = {"introduksjonskurs": {"name": "Introduksjonskurs for frivillige"}}


def test_checklist_complete_volunteer_without_police_need():
    doc = {"activities": ["besoksvenn"], "agreement_signed": "2026-12-01", "confidentiality_signed": "2026-12-01",
           "trainings": [{"training": "introduksjonskurs", "completed": "2026-12-05"}]}
    steps = checklist(doc, ACTIVITIES, TRAININGS, dt.date(2026, 11, 20), today=TODAY)
    assert [s.key for s in steps] == ["first_conversation", "agreement", "declaration", "police", "intro"]
    assert missing(steps) == []
    assert not next(s for s in steps if s.key == "police").needed


def test_checklist_police_needed_and_too_old_when_shown():
    doc = {"activities": ["leksehjelp"], "police_certificate": {"issued": "2026-01-01", "shown": "2026-06-01"}}
    steps = checklist(doc, ACTIVITIES, TRAININGS, None, today=TODAY)
    police = next(s for s in steps if s.key == "police")
    assert police.needed and not police.done and police.problem == "police_too_old"
    assert missing(steps) == ["first_conversation", "agreement", "declaration", "police", "intro"]


def test_checklist_first_conversation_implied_by_agreement():
    doc = {"agreement_signed": "2026-12-01"}
    first = checklist(doc, ACTIVITIES, TRAININGS, None, today=TODAY)[0]
    assert first.done and first.note == "implied" and first.on is None


def test_training_status_warns_before_expiry():
    def held(expires: dt.date | None) -> HeldTraining:
        return HeldTraining(training="introduksjonskurs", completed=dt.date(2026, 1, 5), expires=expires)

    assert training_status(held(dt.date(2027, 1, 9)), TODAY) == "expired"
    assert training_status(held(dt.date(2027, 2, 1)), TODAY) == "soon"
    assert training_status(held(dt.date(2028, 1, 1)), TODAY) == "valid"
    assert training_status(held(None), TODAY) == "valid"


def test_checklist_reads_the_record_as_the_stored_document():
    """The service's struct and the stored document give the same steps (the pages pass either)."""
    doc = {"id": "v1", "name": "Kari Nordmann", "activities": ["leksehjelp"], "agreement_signed": "2026-12-01",
           "trainings": [{"training": "introduksjonskurs", "completed": "2026-12-05", "expires": "2027-01-09"}]}
    record = msgspec.convert(doc, Volunteer)
    assert checklist(record, ACTIVITIES, TRAININGS, None, today=TODAY) == checklist(
        doc, ACTIVITIES, TRAININGS, None, today=TODAY)
    intro = checklist(record, ACTIVITIES, TRAININGS, None, today=TODAY)[-1]
    assert intro.key == "intro" and not intro.done  # expired the day before
