"""A synthetic, seeded exchange event (participants, offers, needs) for tests and timing.

`python -m events.generate` times the meeting suggestions on a Færder-sized event.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time

import msgspec

from events.schema import Amount, Category, ExchangeEvent, Need, Offer, Participant, ParticipantKind

# (category, title, tags) — the kind of thing a Norwegian børs catalogue lists.
_THEMES: list[tuple[Category, str, list[str]]] = [
    ("hands", "drivers for a summer trip", ["transport", "driving"]),
    ("goods", "lend a minibus", ["transport", "minibus"]),
    ("hands", "hands to paint the day centre", ["painting", "maintenance"]),
    ("hands", "garden work at the nursing home", ["garden", "outdoor"]),
    ("hands", "walking friends for residents", ["walking", "outdoor"]),
    ("hands", "bakers for the Christmas market", ["baking", "food"]),
    ("knowledge", "digital help for seniors", ["digital", "it"]),
    ("knowledge", "accounts for a small club", ["accounting", "finance"]),
    ("knowledge", "a new web page", ["web", "digital", "marketing"]),
    ("knowledge", "first-aid course", ["first aid", "course"]),
    ("knowledge", "translation to Arabic and Tigrinya", ["translation", "language"]),
    ("knowledge", "social media for recruiting", ["marketing", "social media"]),
    ("goods", "meeting room for evenings", ["premises", "meeting room"]),
    ("goods", "sound system for a concert", ["sound", "music"]),
    ("goods", "used laptops", ["it", "digital"]),
    ("goods", "garden tools", ["garden", "tools"]),
    ("goods", "cakes and coffee", ["food", "baking"]),
    ("event_help", "music for the summer party", ["music", "concert"]),
    ("event_help", "stewards for a race", ["sport", "stewards"]),
    ("event_help", "a quiz master", ["quiz", "culture"]),
    ("event_help", "rigging a stage", ["stage", "sound", "tools"]),
]
_KINDS: list[ParticipantKind] = ["organisation", "business", "public", "individual"]
_NAMES = {
    "organisation": ["Røde Kors", "Frivilligsentralen", "Nasjonalforeningen", "Sanitetsforeningen",
                     "Idrettslaget", "Korpset"],
    "business": ["Bilhuset", "Sparebanken", "Byggmakker", "Bakeriet", "IT-partner", "Regnskapshuset"],
    "public": ["Sykehjemmet", "Hjemmetjenesten", "Dagsenteret", "Biblioteket", "Kulturskolen", "Frisklivssentralen"],
    "individual": ["Kari", "Ola", "Ingrid", "Per", "Aisha", "Jonas"],
}


def synthetic_event(
    participants: int = 150,
    entries: int = 300,
    rounds: int | None = 6,
    tables: int | None = 20,
    seed: int = 0,
) -> tuple[ExchangeEvent, list[Participant], list[Offer], list[Need]]:
    rng = random.Random(seed)
    people = []
    for i in range(participants):
        kind = rng.choice(_KINDS)
        people.append(
            Participant(id=f"p{i}", name=f"{rng.choice(_NAMES[kind])} {i}", kind=kind, contact=f"kontakt{i}@example.no")
        )
    offers: list[Offer] = []
    needs: list[Need] = []
    for j in range(entries):
        category, title, tags = rng.choice(_THEMES)
        owner = people[j % participants] if j < participants else rng.choice(people)
        amount = (Amount(items=rng.randint(1, 5)) if category == "goods"
                  else Amount(hours=float(rng.choice([2, 4, 8, 10, 20]))))
        extra = rng.sample(["volunteers", "weekend", "evening", "seniors", "youth", "children"], k=1)
        entry = Offer(
            id=f"e{j}", participant=owner.id, category=category, title=title,
            description=f"{title} ({extra[0]})", tags=rng.sample(tags, k=rng.randint(1, len(tags))), amount=amount,
        )
        if rng.random() < 0.5:
            offers.append(entry)
        else:  # the same fields on the other side of the catalogue
            needs.append(Need(**msgspec.structs.asdict(entry)))
    event = ExchangeEvent(
        id="borsen", name="Frivilligbørsen", starts_at=dt.datetime(2025, 10, 16, 17, 0, tzinfo=dt.UTC),
        venue="Rådhuset", rounds=rounds, tables=tables,
    )
    return event, people, offers, needs


def main(argv: list[str] | None = None) -> None:
    from events.suggestions import suggest_meetings

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--participants", type=int, default=150)
    ap.add_argument("--entries", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--tables", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args(argv)
    times = []
    for seed in range(args.repeat):
        data = synthetic_event(args.participants, args.entries, args.rounds, args.tables, seed=seed)
        t0 = time.perf_counter()
        result = suggest_meetings(*data)
        times.append(time.perf_counter() - t0)
        assert result.schedule is not None
        print(
            f"seed {seed}: {time.perf_counter() - t0:.3f}s status={result.status} pairs={result.compatible_pairs} "
            f"meetings={len(result.schedule)} seating_optimal={result.seating_optimal} "
            f"unscheduled={len(result.unscheduled)} "
            f"without_counterpart={len(result.without_counterpart)}"
        )
    print(f"median {statistics.median(times):.3f}s, max {max(times):.3f}s")


if __name__ == "__main__":
    main()
