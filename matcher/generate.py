"""Synthetic municipalities for tests, demos and benchmarks.

`generate(volunteers, needs, seed)` builds a `samspill.scenario/1` document modelled
on a Norwegian municipality of Tønsberg's size: service sites and organisations
spread over the districts around 59.27 N, 10.41 E, needs from the activity
catalogue at plausible times, and volunteers with the messiness of a real register
(unsigned agreements, expired or future training, old police certificates, people
with no location or no availability).

Names of sites and people are illustrative only. Everything is drawn from one
`random.Random(seed)`: the same arguments give a byte-identical document.
`broad=True` makes every volunteer available every day 08:00–22:00, which makes
the candidate graph dense: the stress case for the solver.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

from matcher.problem import need_minutes
from matcher.schema import (
    SCENARIO_FORMAT,
    Activity,
    HeldTraining,
    HistoryEntry,
    Horizon,
    Location,
    Need,
    OnceSlot,
    Pair,
    Period,
    PoliceCertificate,
    Scenario,
    Site,
    Slot,
    Training,
    Volunteer,
)

__all__ = ["ACTIVITIES", "INTERESTS", "TRAININGS", "generate"]

# ----------------------------------------------------------------- the catalogue

TRAININGS: list[Training] = [
    Training(id="introduksjonskurs", name="Introduksjonskurs for frivillige"),
    Training(id="demensopplaering", name="Demensopplæring (Demensomsorgens ABC, frivilligmodul)"),
    Training(id="vakekurs", name="Våkekurs (Røde Kors)"),
    Training(id="aktivitetsvennkurs", name="Aktivitetsvennkurs (Nasjonalforeningen, 3 timer)"),
    Training(id="forstehjelp", name="Førstehjelpskurs"),
]

ACTIVITIES: list[Activity] = [
    Activity(id="besoksvenn", name="Besøksvenn", description="Samtale og selskap ved besøk."),
    Activity(id="turvenn", name="Turvenn", description="Gåtur ute sammen med en bruker."),
    Activity(
        id="aktivitetsvenn",
        name="Aktivitetsvenn",
        requires_training=["aktivitetsvennkurs"],
        description="Felles aktivitet med en person med demens, matchet på interesser.",
    ),
    Activity(
        id="vaketjeneste",
        name="Våketjeneste",
        min_age=25,
        requires_training=["vakekurs"],
        description="Være til stede hos døende som ikke har pårørende der. Ikke helsehjelp.",
    ),
    Activity(
        id="folgetjeneste",
        name="Følgetjeneste",
        description="Følge til avtaler; blir ikke med inn i konsultasjonen, gir ikke stell.",
    ),
    Activity(id="maltidsvenn", name="Måltidsvenn", description="Spise et måltid sammen."),
    Activity(id="kulturvert", name="Kulturvert", description="Vertskap ved konserter og arrangement."),
    Activity(id="digital-hjelp", name="Digital hjelp for seniorer"),
    Activity(
        id="leksehjelp",
        name="Leksehjelp",
        police_certificate=True,
        description="Leksehjelp for barn og unge (politiattest: arbeid med barn).",
    ),
    Activity(
        id="fritidsvenn",
        name="Fritidsvenn",
        police_certificate=True,
        description="Fritidsaktivitet med en person med utviklingshemming (politiattest).",
    ),
]
_ACT = {a.id: a for a in ACTIVITIES}

INTERESTS = [
    "music", "gardening", "chess", "football", "knitting", "history", "dogs",
    "baking", "walking", "reading", "singing", "fishing", "crafts", "technology",
]  # fmt: skip

# Interests that go with an activity (a walking friend likes walking, …).
_ACT_INTERESTS = {
    "turvenn": ["walking", "dogs", "fishing", "gardening"],
    "aktivitetsvenn": ["music", "singing", "gardening", "baking", "crafts", "history", "chess", "knitting"],
    "kulturvert": ["music", "singing", "history", "reading"],
    "digital-hjelp": ["technology"],
    "leksehjelp": ["reading", "technology", "history", "chess"],
    "fritidsvenn": ["football", "walking", "music", "crafts", "fishing"],
    "maltidsvenn": ["baking"],
}

# ----------------------------------------------------------------- the municipality

CENTRE = (59.267, 10.408)

# (name, lat, lon, weight of population)
_DISTRICTS = [
    ("Sentrum", 59.2675, 10.4076, 5.0),
    ("Eik", 59.2870, 10.3820, 2.0),
    ("Husvik", 59.2500, 10.4420, 1.5),
    ("Vear", 59.2850, 10.3300, 1.5),
    ("Sem", 59.2820, 10.3180, 1.0),
    ("Barkåker", 59.3110, 10.3600, 1.0),
    ("Teie", 59.2480, 10.4130, 2.0),
    ("Borgheim", 59.2280, 10.4380, 1.5),
    ("Kjøpmannskjær", 59.2010, 10.4640, 0.6),
    ("Revetal", 59.3680, 10.2620, 1.0),
    ("Tjøme", 59.1350, 10.4000, 0.6),
]
_DISTRICT_WEIGHTS = [d[3] for d in _DISTRICTS]


@dataclass(frozen=True)
class _SiteSpec:
    key: str
    name: str
    kind: str  # sykehjem | hjemmetjenesten | dagsenter | bolig | bibliotek | org-*
    district: str


# The named sites, in the order they are taken: the first ten cover every kind.
_BASE_SITES = [
    _SiteSpec("traeleborgodden", "Træleborgodden omsorgssenter", "sykehjem", "Sentrum"),
    _SiteSpec("hjemmetjenesten-sentrum", "Hjemmetjenesten sone sentrum", "hjemmetjenesten", "Sentrum"),
    _SiteSpec("dagsenter-kilen", "Kilen dagsenter", "dagsenter", "Sentrum"),
    _SiteSpec("vear-bolig", "Vear bolig med tjenester", "bolig", "Vear"),
    _SiteSpec("biblioteket", "Biblioteket i Tønsberg", "bibliotek", "Sentrum"),
    _SiteSpec("rode-kors", "Tønsberg Røde Kors", "org-rodekors", "Sentrum"),
    _SiteSpec("frivilligsentralen", "Frivilligsentralen", "org-frivilligsentral", "Sentrum"),
    _SiteSpec("nasjonalforeningen", "Nasjonalforeningen, lokallaget", "org-nasjonalforeningen", "Sentrum"),
    _SiteSpec("slottsfjell-il", "Slottsfjell idrettslag", "org-idrett", "Eik"),
    _SiteSpec("eik-sykehjem", "Eik sykehjem", "sykehjem", "Eik"),
    _SiteSpec("hjemmetjenesten-notteroy", "Hjemmetjenesten sone Nøtterøy", "hjemmetjenesten", "Teie"),
    _SiteSpec("borgheim-sykehjem", "Borgheim sykehjem", "sykehjem", "Borgheim"),
    _SiteSpec("hjemmetjenesten-nord", "Hjemmetjenesten sone nord", "hjemmetjenesten", "Barkåker"),
    _SiteSpec("revetal-sykehjem", "Revetal sykehjem", "sykehjem", "Revetal"),
    _SiteSpec("tjome-sykehjem", "Tjøme sykehjem", "sykehjem", "Tjøme"),
    _SiteSpec("husvik-dagsenter", "Husvik dagsenter", "dagsenter", "Husvik"),
    _SiteSpec("sem-bolig", "Sem bolig med tjenester", "bolig", "Sem"),
    _SiteSpec("hjemmetjenesten-tjome", "Hjemmetjenesten sone Tjøme", "hjemmetjenesten", "Tjøme"),
]

_KIND_LABEL = {
    "sykehjem": "sykehjem",
    "hjemmetjenesten": "Hjemmetjenesten sone",
    "dagsenter": "dagsenter",
    "bolig": "bolig med tjenester",
}

_EXTRA_LABEL = {
    "bibliotek": "Biblioteket, filial",
    "org-idrett": "Idrettslaget",
    "org-frivilligsentral": "Frivilligsentralen",
    "org-rodekors": "Røde Kors, lokalforening",
}

# How many needs a site of each kind posts, relatively.
_KIND_NEED_WEIGHT = {
    "sykehjem": 6.0,
    "hjemmetjenesten": 5.0,
    "dagsenter": 3.0,
    "bolig": 2.5,
    "bibliotek": 2.5,
    "org-rodekors": 4.0,
    "org-frivilligsentral": 4.0,
    "org-nasjonalforeningen": 2.5,
    "org-idrett": 1.5,
}

# Which activities a kind of site posts, with weights.
_KIND_ACTIVITIES: dict[str, list[tuple[str, float]]] = {
    "sykehjem": [
        ("besoksvenn", 5), ("turvenn", 3), ("aktivitetsvenn", 2), ("vaketjeneste", 1.5),
        ("maltidsvenn", 2), ("kulturvert", 1), ("digital-hjelp", 0.5),
    ],
    "hjemmetjenesten": [
        ("besoksvenn", 5), ("turvenn", 3), ("folgetjeneste", 3), ("aktivitetsvenn", 1.5),
        ("digital-hjelp", 1), ("maltidsvenn", 1),
    ],
    "dagsenter": [("aktivitetsvenn", 3), ("turvenn", 2), ("kulturvert", 1.5), ("maltidsvenn", 1.5)],
    "bolig": [("fritidsvenn", 4), ("turvenn", 2), ("besoksvenn", 1.5), ("maltidsvenn", 1)],
    "bibliotek": [("leksehjelp", 4), ("digital-hjelp", 3), ("kulturvert", 1)],
    "org-rodekors": [("vaketjeneste", 3), ("besoksvenn", 3), ("leksehjelp", 2), ("folgetjeneste", 1.5)],
    "org-frivilligsentral": [
        ("folgetjeneste", 3), ("digital-hjelp", 2), ("turvenn", 2), ("kulturvert", 1.5), ("leksehjelp", 1),
    ],
    "org-nasjonalforeningen": [("aktivitetsvenn", 4), ("turvenn", 1.5), ("besoksvenn", 1)],
    "org-idrett": [("fritidsvenn", 3), ("turvenn", 1), ("leksehjelp", 1)],
}  # fmt: skip

_ACTIVITY_TITLE = {
    "besoksvenn": "Besøksvenn",
    "turvenn": "Turvenn",
    "aktivitetsvenn": "Aktivitetsvenn",
    "vaketjeneste": "Våketjeneste",
    "folgetjeneste": "Følge til avtale",
    "maltidsvenn": "Måltidsvenn",
    "kulturvert": "Kulturvert",
    "digital-hjelp": "Digital hjelp for seniorer",
    "leksehjelp": "Leksehjelp",
    "fritidsvenn": "Fritidsvenn",
}

_WEEKDAY_NAME = ["mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag"]

# ----------------------------------------------------------------- people

_FIRST_NB = [
    "Anne", "Inger", "Kari", "Marit", "Ingrid", "Liv", "Eva", "Berit", "Astrid", "Bjørg", "Hilde",
    "Anna", "Solveig", "Randi", "Marianne", "Nina", "Ida", "Nora", "Emma", "Sara", "Thea", "Ingeborg",
    "Jan", "Per", "Bjørn", "Ole", "Lars", "Kjell", "Knut", "Arne", "Svein", "Hans", "Geir", "Terje",
    "Odd", "Jon", "Tor", "Erik", "Martin", "Jonas", "Henrik", "Magnus", "Sander", "Emil", "Oskar",
    "Sigrid", "Tove", "Gunn", "Wenche", "Trond", "Rune", "Øyvind", "Eirik", "Maja", "Live",
]  # fmt: skip
_LAST_NB = [
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen",
    "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Henriksen", "Lund", "Sørensen",
    "Jakobsen", "Moen", "Gundersen", "Iversen", "Strand", "Solberg", "Svendsen", "Eide", "Knutsen",
    "Kristoffersen", "Bakken", "Lie", "Nygård", "Ruud", "Foyn", "Teigen", "Vik", "Bø", "Aas",
]  # fmt: skip
# Language background: (languages besides nb, first names, last names, weight)
_BACKGROUNDS = [
    ((), _FIRST_NB, _LAST_NB, 78.0),
    (("ar",), ["Ahmed", "Fatima", "Omar", "Layla", "Yousef", "Amira", "Khaled", "Rania"],
     ["Hassan", "Haddad", "Khalil", "Nasser", "Saleh", "Mansour"], 5.0),
    (("pl",), ["Anna", "Piotr", "Katarzyna", "Tomasz", "Agnieszka", "Marek", "Ewa", "Paweł"],
     ["Nowak", "Kowalski", "Wiśniewska", "Zieliński", "Wójcik", "Kamińska"], 5.0),
    (("uk",), ["Olena", "Andrii", "Iryna", "Oksana", "Dmytro", "Natalia"],
     ["Shevchenko", "Kovalenko", "Bondarenko", "Tkachenko", "Melnyk"], 3.0),
    (("so",), ["Amina", "Abdi", "Hodan", "Mohamed", "Faduma", "Ali"],
     ["Warsame", "Abdullahi", "Hussein", "Farah", "Jama"], 2.0),
    (("ti",), ["Selam", "Yonas", "Helen", "Dawit", "Senait"], ["Tesfay", "Gebremedhin", "Haile", "Kidane"], 1.5),
    (("lt",), ["Tomas", "Rasa", "Jonas", "Ieva"], ["Kazlauskas", "Petrauskaitė", "Jankauskas"], 1.5),
    (("en",), ["James", "Emily", "Daniel", "Sarah", "Michael"], ["Smith", "Brown", "Taylor", "Wilson"], 2.0),
    (("sv",), ["Karin", "Lars", "Elin", "Anders"], ["Lindqvist", "Andersson", "Nyström"], 2.0),
]  # fmt: skip
_BG_WEIGHTS = [b[3] for b in _BACKGROUNDS]

# profile: (weight, birth years, activity weights)
_PROFILES: dict[str, tuple[float, tuple[int, int], dict[str, float]]] = {
    "retiree": (38.0, (1940, 1960), {
        "besoksvenn": 5, "turvenn": 3, "aktivitetsvenn": 2.5, "vaketjeneste": 1.8, "folgetjeneste": 2.5,
        "maltidsvenn": 2.5, "kulturvert": 2, "digital-hjelp": 0.8, "leksehjelp": 0.8, "fritidsvenn": 0.5,
    }),
    "worker": (40.0, (1961, 2001), {
        "besoksvenn": 3, "turvenn": 3, "aktivitetsvenn": 1.5, "vaketjeneste": 1.2, "folgetjeneste": 1,
        "maltidsvenn": 1, "kulturvert": 2, "digital-hjelp": 1.5, "leksehjelp": 2, "fritidsvenn": 2,
    }),
    "student": (22.0, (2000, 2008), {
        "besoksvenn": 2, "turvenn": 2.5, "aktivitetsvenn": 1, "folgetjeneste": 0.8, "maltidsvenn": 1,
        "kulturvert": 2, "digital-hjelp": 3, "leksehjelp": 4, "fritidsvenn": 3,
    }),
}  # fmt: skip


# ----------------------------------------------------------------- helpers


def _hm(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _m(t: str) -> int:
    return int(t[:2]) * 60 + int(t[3:])


def _weighted(rng: random.Random, items: list[tuple[str, float]]) -> str:
    return rng.choices([i for i, _ in items], weights=[w for _, w in items])[0]


def _sample_weighted(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    """k distinct keys, drawn without replacement proportionally to weight."""
    pool = dict(weights)
    out: list[str] = []
    while pool and len(out) < k:
        key = rng.choices(list(pool), weights=list(pool.values()))[0]
        out.append(key)
        del pool[key]
    return out


def _point_near(rng: random.Random, lat: float, lon: float, sd_km: float) -> Location:
    dlat = rng.gauss(0.0, sd_km) / 111.2
    dlon = rng.gauss(0.0, sd_km) / (111.2 * math.cos(math.radians(lat)))
    # Keep everything within ~16 km of the centre.
    la, lo = lat + dlat, lon + dlon
    dy = (la - CENTRE[0]) * 111.2
    dx = (lo - CENTRE[1]) * 111.2 * math.cos(math.radians(CENTRE[0]))
    dist = math.hypot(dx, dy)
    if dist > 16.0:
        f = 16.0 / dist
        la = CENTRE[0] + (la - CENTRE[0]) * f
        lo = CENTRE[1] + (lo - CENTRE[1]) * f
    return Location(lat=round(la, 5), lon=round(lo, 5))


def _district(name: str) -> tuple[str, float, float, float]:
    for d in _DISTRICTS:
        if d[0] == name:
            return d
    raise KeyError(name)


def _rand_date(rng: random.Random, lo: date, hi: date) -> date:
    return lo + timedelta(days=rng.randint(0, max(0, (hi - lo).days)))


def _covers(avail: list[Slot], weekday: int, start: str, end: str) -> bool:
    """Whether one availability window contains the whole slot (overnight-aware)."""
    s, e = _m(start), _m(end)
    if e <= s:
        e += 24 * 60
    for a in avail:
        if a.weekday != weekday:
            continue
        a_s, a_e = _m(a.start), _m(a.end)
        if a_e <= a_s:
            a_e += 24 * 60
        if a_s <= s and e <= a_e:
            return True
    return False


# ----------------------------------------------------------------- sites


def _make_sites(rng: random.Random, count: int) -> tuple[list[Site], list[str]]:
    """Sites and, in parallel, their kind."""
    specs = list(_BASE_SITES[:count])
    extra_kinds = [
        ("sykehjem", 3.0), ("hjemmetjenesten", 3.0), ("dagsenter", 1.5), ("bolig", 2.0),
        ("bibliotek", 0.6), ("org-idrett", 0.8), ("org-frivilligsentral", 0.4), ("org-rodekors", 0.3),
    ]  # fmt: skip
    used: dict[tuple[str, str], int] = {}
    for spec in specs:
        used[(spec.kind, spec.district)] = used.get((spec.kind, spec.district), 0) + 1
    while len(specs) < count:
        kind = _weighted(rng, extra_kinds)
        district = rng.choices(_DISTRICTS, weights=_DISTRICT_WEIGHTS)[0][0]
        n = used.get((kind, district), 0) + 1
        used[(kind, district)] = n
        suffix = "" if n == 1 else f" {n}"
        if kind == "hjemmetjenesten":
            name = f"Hjemmetjenesten sone {district}{suffix}"
        elif kind in _EXTRA_LABEL:
            name = f"{_EXTRA_LABEL[kind]} {district}{suffix}"
        else:
            name = f"{district} {_KIND_LABEL[kind]}{suffix}"
        key = f"{kind}-{_ascii(district)}-{n}"
        specs.append(_SiteSpec(key, name, kind, district))
    sites: list[Site] = []
    kinds: list[str] = []
    for spec in specs:
        _, lat, lon, _w = _district(spec.district)
        sites.append(
            Site(
                id=f"site-{spec.key}",
                name=spec.name,
                kind="organisation" if spec.kind.startswith("org-") else "service_site",
                location=_point_near(rng, lat, lon, 0.8),
            )
        )
        kinds.append(spec.kind)
    return sites, kinds


def _ascii(s: str) -> str:
    return (
        s.lower()
        .replace("æ", "ae")
        .replace("ø", "o")
        .replace("å", "a")
        .replace(" ", "-")
    )


# ----------------------------------------------------------------- needs


def _weekly_slot(rng: random.Random, activity: str) -> list[Slot]:
    weekday = rng.randint(1, 5)
    if activity == "turvenn":
        if rng.random() < 0.35:  # weekend walk
            return [Slot(weekday=rng.choice([6, 7]), start="11:00", end="13:00")]
        start, end = rng.choice([("10:00", "12:00"), ("13:00", "15:00"), ("17:00", "19:00")])
        slots = [Slot(weekday=weekday, start=start, end=end)]
        if rng.random() < 0.15:  # twice a week
            other = (weekday + 1) % 5 + 1
            slots.append(Slot(weekday=other, start=start, end=end))
        return slots
    if activity == "maltidsvenn":
        start, end = rng.choice([("11:30", "13:00"), ("16:00", "17:30")])
        return [Slot(weekday=rng.randint(1, 7), start=start, end=end)]
    if activity == "leksehjelp":
        start, end = rng.choice([("15:00", "17:00"), ("17:00", "19:00")])
        return [Slot(weekday=rng.randint(1, 4), start=start, end=end)]
    if activity == "fritidsvenn":
        if rng.random() < 0.4:
            return [Slot(weekday=rng.choice([6, 7]), start="12:00", end="15:00")]
        start, end = rng.choice([("17:00", "19:00"), ("18:00", "20:00")])
        return [Slot(weekday=weekday, start=start, end=end)]
    if activity == "digital-hjelp":
        start, end = rng.choice([("10:00", "12:00"), ("13:00", "15:00")])
        return [Slot(weekday=rng.choice([2, 4]), start=start, end=end)]
    if activity == "kulturvert":
        return [Slot(weekday=rng.choice([3, 4]), start="17:00", end="19:00")]
    if activity == "vaketjeneste":
        return [Slot(weekday=rng.randint(1, 7), start="22:00", end="06:00")]
    if activity == "folgetjeneste":
        start, end = rng.choice([("09:00", "11:00"), ("12:00", "14:00")])
        return [Slot(weekday=weekday, start=start, end=end)]
    # besøksvenn, aktivitetsvenn
    if rng.random() < 0.12:
        return [Slot(weekday=rng.choice([6, 7]), start="12:00", end="14:00")]
    start, end = rng.choice([("10:00", "12:00"), ("13:00", "15:00"), ("13:00", "15:00"), ("17:00", "19:00")])
    slots = [Slot(weekday=weekday, start=start, end=end)]
    if rng.random() < 0.1:
        other = (weekday + 2) % 5 + 1
        slots.append(Slot(weekday=other, start=start, end=end))
    return slots


def _once_slot(rng: random.Random, activity: str, start: date, days: int) -> tuple[OnceSlot, str]:
    """A one-off slot and a title suffix."""
    day = start + timedelta(days=rng.randrange(days))
    if activity == "vaketjeneste":
        return OnceSlot(date=day, start="22:00", end="06:00"), f"natt til {_next_weekday_name(day)}"
    if activity == "folgetjeneste":
        weekdays = [start + timedelta(days=k) for k in range(days) if (start + timedelta(days=k)).isoweekday() <= 5]
        if weekdays:
            day = rng.choice(weekdays)
        begin = rng.choice([8 * 60 + 30, 9 * 60, 10 * 60, 11 * 60 + 30, 13 * 60])
        length = rng.choice([90, 120, 150, 180])
        what = rng.choice(["time hos fastlegen", "tannlege", "poliklinisk time på sykehuset", "frisør"])
        return OnceSlot(date=day, start=_hm(begin), end=_hm(begin + length)), what
    # events: mostly weekends or an evening
    if rng.random() < 0.6:
        weekend = [start + timedelta(days=k) for k in range(days) if (start + timedelta(days=k)).isoweekday() >= 6]
        if weekend:
            day = rng.choice(weekend)
        s, e = rng.choice([("12:00", "15:00"), ("11:00", "14:00"), ("16:00", "19:00")])
    else:
        s, e = rng.choice([("18:00", "21:00"), ("17:30", "20:00")])
    what = rng.choice(
        ["sommerfest", "konsert", "allsang", "julemarked", "høstfest", "kafé", "quiz", "turdag", "basar"]
    )
    return OnceSlot(date=day, start=s, end=e), what


def _next_weekday_name(d: date) -> str:
    return _WEEKDAY_NAME[(d + timedelta(days=1)).isoweekday() - 1]


def _make_needs(
    rng: random.Random,
    count: int,
    sites: list[Site],
    kinds: list[str],
    start: date,
    days: int,
) -> list[Need]:
    end = start + timedelta(days=days - 1)
    width = max(4, len(str(count)))
    site_weights = [_KIND_NEED_WEIGHT[k] * rng.uniform(0.6, 1.4) for k in kinds]
    # A few sykehjem have a dementia ward (skjermet enhet) where demensopplæring is required.
    dementia_site = [k == "sykehjem" and rng.random() < 0.6 for k in kinds]
    needs: list[Need] = []
    for i in range(count):
        si = rng.choices(range(len(sites)), weights=site_weights)[0]
        site, kind = sites[si], kinds[si]
        activity = _weighted(rng, _KIND_ACTIVITIES[kind])
        title = f"{_ACTIVITY_TITLE[activity]}, {site.name}"
        weekly: list[Slot] | None = None
        once: OnceSlot | None = None
        from_: date | None = None
        until: date | None = None
        headcount = 1
        once_share = {"folgetjeneste": 0.85, "vaketjeneste": 0.6, "kulturvert": 0.5}.get(activity, 0.03)
        if rng.random() < once_share:
            once, what = _once_slot(rng, activity, start, days)
            title = f"{title}: {what} {once.date.isoformat()}"
            if activity == "kulturvert" or (activity not in ("folgetjeneste", "vaketjeneste")):
                headcount = rng.choice([2, 2, 3, 3, 4])
        else:
            weekly = _weekly_slot(rng, activity)
            s0 = weekly[0]
            days_text = " og ".join(_WEEKDAY_NAME[sl.weekday - 1] for sl in weekly)
            title = f"{title}, {days_text} {s0.start}–{s0.end}"
            r = rng.random()
            if r < 0.08:
                from_ = start + timedelta(days=rng.randrange(max(1, days // 2)))
            elif r < 0.16:
                until = start + timedelta(days=rng.randrange(7, max(8, days)))
            elif r < 0.20:
                from_ = start + timedelta(days=rng.randrange(max(1, days // 3)))
                until = min(end, from_ + timedelta(days=rng.randrange(7, 22)))
            hr = rng.random()
            if (activity == "digital-hjelp" and hr < 0.5) or hr < 0.12:
                headcount = 2
            elif hr < 0.16:
                headcount = rng.choice([3, 4])
        priority = rng.choices([1, 2, 3, 4, 5], weights=[6, 16, 48, 20, 10])[0]
        if activity == "vaketjeneste":
            priority = max(priority, 4)
        languages: list[str] = []
        lr = rng.random()
        if lr < 0.04:
            languages = ["nb", rng.choice(["ar", "pl", "so", "uk", "ti"])]
        elif lr < 0.07:
            languages = [rng.choice(["pl", "ar", "uk", "lt", "en"])]
        requires: list[str] = []
        if kind in ("sykehjem", "dagsenter") and activity in ("besoksvenn", "aktivitetsvenn", "maltidsvenn"):
            if dementia_site[si] and rng.random() < 0.45:
                requires.append("demensopplaering")
                title += " (skjermet enhet)"
        elif kind == "org-nasjonalforeningen" and rng.random() < 0.3:
            requires.append("demensopplaering")
        if activity in ("turvenn", "fritidsvenn") and rng.random() < 0.1:
            requires.append("forstehjelp")
        if rng.random() < 0.05:
            requires.insert(0, "introduksjonskurs")
        tag_pool = _ACT_INTERESTS.get(activity, INTERESTS)
        n_tags = rng.choices([0, 1, 2, 3], weights=[35, 35, 20, 10])[0]
        if activity == "aktivitetsvenn":
            n_tags = rng.randint(1, 3)
        tags: list[str] = []
        for _ in range(n_tags):
            t = rng.choice(tag_pool) if rng.random() < 0.7 else rng.choice(INTERESTS)
            if t not in tags:
                tags.append(t)
        min_age = 0
        if activity in ("besoksvenn", "turvenn") and kind == "hjemmetjenesten" and rng.random() < 0.25:
            min_age = 18
        needs.append(
            Need(
                id=f"n{i + 1:0{width}d}",
                site=site.id,
                activity=activity,
                title=title,
                headcount=headcount,
                priority=priority,
                weekly=weekly,
                from_=from_,
                until=until,
                once=once,
                languages=languages,
                requires_training=requires,
                police_certificate=_ACT[activity].police_certificate,
                min_age=min_age,
                tags=tags,
            )
        )
    return needs


# ----------------------------------------------------------------- volunteers


def _availability(rng: random.Random, profile: str, activities: list[str]) -> list[Slot]:
    slots: list[Slot] = []
    used: set[int] = set()

    def add(weekday: int, s: str, e: str) -> None:
        if weekday not in used:
            used.add(weekday)
            slots.append(Slot(weekday=weekday, start=s, end=e))

    if profile == "retiree":
        for _ in range(rng.randint(2, 4)):
            s, e = rng.choice([("09:00", "15:00"), ("10:00", "14:00"), ("09:00", "12:30"), ("12:00", "16:00"),
                               ("10:00", "16:00")])  # fmt: skip
            add(rng.randint(1, 5), s, e)
        if rng.random() < 0.3:
            add(rng.choice([6, 7]), "11:00", "15:00")
        if rng.random() < 0.2:
            add(rng.randint(1, 5), "16:00", "20:00")
    elif profile == "worker":
        for _ in range(rng.randint(1, 3)):
            s, e = rng.choice([("16:30", "21:00"), ("17:00", "20:00"), ("16:00", "19:30"), ("17:00", "21:30")])
            add(rng.randint(1, 5), s, e)
        if rng.random() < 0.5:
            s, e = rng.choice([("10:00", "16:00"), ("11:00", "15:00"), ("12:00", "18:00")])
            add(rng.choice([6, 7]), s, e)
    else:  # student
        for _ in range(rng.randint(1, 3)):
            s, e = rng.choice([("14:30", "19:30"), ("15:00", "20:00"), ("12:00", "16:00")])
            add(rng.randint(1, 5), s, e)
        if rng.random() < 0.7:
            add(rng.choice([6, 7]), rng.choice(["10:00", "11:00"]), rng.choice(["16:00", "18:00"]))
    if "vaketjeneste" in activities and rng.random() < 0.85:
        for _ in range(rng.randint(1, 2)):
            s, e = rng.choice([("21:00", "07:00"), ("22:00", "06:00"), ("21:30", "06:30")])
            day = rng.randint(1, 7)
            # a night window is added even if the day has a daytime window
            slots.append(Slot(weekday=day, start=s, end=e))
    slots.sort(key=lambda sl: (sl.weekday, sl.start))
    return slots


def _make_volunteers(
    rng: random.Random,
    count: int,
    sites: list[Site],
    start: date,
    days: int,
) -> list[Volunteer]:
    end = start + timedelta(days=days - 1)
    width = max(5, len(str(count)))
    profiles = list(_PROFILES)
    profile_weights = [_PROFILES[p][0] for p in profiles]
    out: list[Volunteer] = []
    for i in range(count):
        vid = f"v{i + 1:0{width}d}"
        profile = rng.choices(profiles, weights=profile_weights)[0]
        _, (y0, y1), act_weights = _PROFILES[profile]
        bg = rng.choices(_BACKGROUNDS, weights=_BG_WEIGHTS)[0]
        extra_langs, firsts, lasts, _w = bg
        name = f"{rng.choice(firsts)} {rng.choice(lasts)}"
        birth: date | None = None
        if rng.random() > 0.04:
            birth = date(rng.randint(y0, y1), rng.randint(1, 12), rng.randint(1, 28))

        n_act = rng.choices([1, 2, 3], weights=[45, 38, 17])[0]
        activities = _sample_weighted(rng, act_weights, n_act)

        n_int = rng.randint(2, 5)
        interests: list[str] = []
        for a in activities:
            pool = _ACT_INTERESTS.get(a)
            if pool and rng.random() < 0.6:
                t = rng.choice(pool)
                if t not in interests:
                    interests.append(t)
        while len(interests) < n_int:
            t = rng.choice(INTERESTS)
            if t not in interests:
                interests.append(t)
        interests = interests[:n_int]

        if not extra_langs:
            languages = ["nb"] + (["en"] if rng.random() < 0.35 else [])
        elif extra_langs[0] in ("sv", "en"):
            languages = [extra_langs[0]] + (["nb"] if rng.random() < 0.6 else [])
        else:
            r = rng.random()
            languages = (["nb", extra_langs[0]] if r < 0.7 else [extra_langs[0]] if r < 0.85
                         else ["nb", extra_langs[0], "en"])  # fmt: skip

        location: Location | None = None
        max_travel: float | None = None
        if rng.random() < 0.93:
            d = rng.choices(_DISTRICTS, weights=_DISTRICT_WEIGHTS)[0]
            location = _point_near(rng, d[1], d[2], 1.5)
            if rng.random() < 0.85:
                max_travel = float(rng.choice([3, 5, 5, 8, 10, 10, 12, 15, 15, 20, 25]))

        availability = [] if rng.random() < 0.03 else _availability(rng, profile, activities)

        unavailable: list[Period] = []
        if rng.random() < 0.18:
            for _ in range(rng.choices([1, 2], weights=[80, 20])[0]):
                p0 = _rand_date(rng, start - timedelta(days=7), end)
                unavailable.append(Period(from_=p0, to=p0 + timedelta(days=rng.randint(2, 14))))
            unavailable.sort(key=lambda p: p.from_)

        max_hours: float | None = None
        if rng.random() < 0.75:
            max_hours = float(rng.choice([2, 2, 3, 4, 4, 5, 6, 8, 10]))
        max_assign = rng.choices([1, 2, 3], weights=[75, 18, 7])[0]

        trainings = _trainings(rng, activities, start, end)

        agreement: date | None = None
        confidentiality: date | None = None
        ar = rng.random()
        if ar < 0.87:
            agreement = _rand_date(rng, date(2014, 1, 1), start - timedelta(days=1))
        elif ar < 0.93:
            agreement = _rand_date(rng, start, end)  # signed during the horizon
        if agreement is not None:
            cr = rng.random()
            if cr < 0.9:
                confidentiality = agreement
            elif cr < 0.96:
                confidentiality = agreement + timedelta(days=rng.randint(1, 30))
            # else: not yet signed
        elif rng.random() < 0.3:
            confidentiality = _rand_date(rng, start - timedelta(days=60), start - timedelta(days=1))

        police: PoliceCertificate | None = None
        needs_cert = any(_ACT[a].police_certificate for a in activities)
        if rng.random() < (0.75 if needs_cert else 0.05):
            issued = _rand_date(rng, start - timedelta(days=730), start + timedelta(days=7))
            lag = rng.choices([rng.randint(3, 30), rng.randint(31, 85), rng.randint(86, 120)], weights=[70, 20, 10])[0]
            purpose = None
            if needs_cert:
                purpose = "arbeid med barn" if "leksehjelp" in activities else "personer med utviklingshemming"
            police = PoliceCertificate(issued=issued, shown=issued + timedelta(days=lag), purpose=purpose)

        history: list[HistoryEntry] = []
        if rng.random() < 0.25:
            for _ in range(rng.randint(1, 3)):
                act = rng.choice(activities) if rng.random() < 0.85 else rng.choice(ACTIVITIES).id
                h = HistoryEntry(site=rng.choice(sites).id, activity=act)
                if h not in history:
                    history.append(h)

        phone = f"+47 9{rng.randrange(10_000_000):07d}" if rng.random() < 0.7 else None
        email = None
        if rng.random() < 0.5:
            email = f"{_ascii(name.split()[0])}.{vid}@example.no"

        out.append(
            Volunteer(
                id=vid,
                name=name,
                birth_date=birth,
                activities=activities,
                interests=interests,
                languages=languages,
                location=location,
                max_travel_km=max_travel,
                availability=availability,
                unavailable=unavailable,
                max_hours_per_week=max_hours,
                max_assignments=max_assign,
                trainings=trainings,
                agreement_signed=agreement,
                confidentiality_signed=confidentiality,
                police_certificate=police,
                history=history,
                phone=phone,
                email=email,
            )
        )
    return out


def _trainings(rng: random.Random, activities: list[str], start: date, end: date) -> list[HeldTraining]:
    def completed() -> date:
        r = rng.random()
        if r < 0.06:
            return _rand_date(rng, start, end)  # completed during the horizon
        if r < 0.25:
            return _rand_date(rng, date(2016, 1, 1), start - timedelta(days=730))  # old
        return _rand_date(rng, start - timedelta(days=729), start - timedelta(days=1))

    held: list[HeldTraining] = []
    if rng.random() < 0.85:
        held.append(HeldTraining(training="introduksjonskurs", completed=completed()))
    dementia_related = {"besoksvenn", "aktivitetsvenn", "maltidsvenn"} & set(activities)
    if ("aktivitetsvenn" in activities and rng.random() < 0.7) or (dementia_related and rng.random() < 0.3):
        c = completed()
        expires = c + timedelta(days=730) if rng.random() < 0.8 else None
        held.append(HeldTraining(training="demensopplaering", completed=c, expires=expires))
    if "vaketjeneste" in activities and rng.random() < 0.85:
        held.append(HeldTraining(training="vakekurs", completed=completed()))
    if "aktivitetsvenn" in activities and rng.random() < 0.85:
        held.append(HeldTraining(training="aktivitetsvennkurs", completed=completed()))
    if rng.random() < 0.22:
        c = completed()
        held.append(HeldTraining(training="forstehjelp", completed=c, expires=c + timedelta(days=3 * 365)))
    return held


# ----------------------------------------------------------------- pins and vetoes


def _km(a: Location, b: Location) -> float:
    dy = (a.lat - b.lat) * 111.2
    dx = (a.lon - b.lon) * 111.2 * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot(dx, dy)


def _looks_eligible(v: Volunteer, n: Need, start: date, site: Site | None = None) -> bool:
    """A rough check, good enough to make pins plausible (the solver decides for real)."""
    if n.activity not in v.activities:
        return False
    if v.agreement_signed is None or v.agreement_signed >= start:
        return False
    if v.confidentiality_signed is None or v.confidentiality_signed >= start:
        return False
    held = {t.training for t in v.trainings if t.completed < start and (t.expires is None or t.expires > start)}
    required = set(n.requires_training) | set(_ACT[n.activity].requires_training)
    if not required <= held:
        return False
    min_age = max(n.min_age, _ACT[n.activity].min_age)
    if min_age and (v.birth_date is None or (start.year - v.birth_date.year) - 1 < min_age):
        return False
    if n.police_certificate or _ACT[n.activity].police_certificate:
        pc = v.police_certificate
        if pc is None or pc.shown >= start or (pc.shown - pc.issued).days > 85:
            return False
    if n.languages and not {x.lower() for x in v.languages} & {x.lower() for x in n.languages}:
        return False
    if (v.max_travel_km is not None and v.location is not None and site is not None and site.location is not None
            and _km(v.location, site.location) > v.max_travel_km):
        return False
    if any(p.from_ <= start <= p.to for p in v.unavailable):
        return False
    if n.weekly is not None:
        return all(_covers(v.availability, s.weekday, s.start, s.end) for s in n.weekly)
    assert n.once is not None
    return _covers(v.availability, n.once.date.isoweekday(), n.once.start, n.once.end)


def _pins_and_vetoes(
    rng: random.Random, volunteers: list[Volunteer], needs: list[Need], sites: list[Site], start: date
) -> tuple[list[Pair], list[Pair]]:
    if not needs or not volunteers:
        return [], []
    k = max(1, round(len(needs) * 0.005))
    site_of = {x.id: x for x in sites}
    by_activity: dict[str, list[Volunteer]] = {}
    for v in volunteers:
        for a in v.activities:
            by_activity.setdefault(a, []).append(v)
    pinned: list[Pair] = []
    used_v: set[str] = set()
    used_n: set[str] = set()
    order = list(range(len(needs)))
    rng.shuffle(order)
    for ni in order:
        if len(pinned) >= k:
            break
        n = needs[ni]
        if n.weekly is None:
            continue
        pool = by_activity.get(n.activity, [])
        for v in rng.sample(pool, min(len(pool), 200)):
            if v.id not in used_v and _looks_eligible(v, n, start, site_of.get(n.site)):
                pinned.append(Pair(volunteer=v.id, need=n.id))
                used_v.add(v.id)
                used_n.add(n.id)
                break
    # Vetoes: a site contact said no to a volunteer who would otherwise qualify.
    forbidden: list[Pair] = []
    for ni in order:
        if len(forbidden) >= k:
            break
        n = needs[ni]
        if n.id in used_n:
            continue
        pool = by_activity.get(n.activity, [])
        for v in rng.sample(pool, min(len(pool), 200)):
            if v.id not in used_v and _looks_eligible(v, n, start, site_of.get(n.site)):
                forbidden.append(Pair(volunteer=v.id, need=n.id))
                used_n.add(n.id)
                break
    return pinned, forbidden


def _committed(
    rng: random.Random,
    share: float,
    volunteers: list[Volunteer],
    needs: list[Need],
    sites: list[Site],
    start: date,
    taken: set[tuple[str, str]],
) -> list[Pair]:
    """Placements in force: about `share` of the places, given to volunteers who look eligible
    (at most their max_assignments, weekly needs only one per volunteer and weekday, roughly),
    and one need in twenty to a volunteer who is merely willing — a placement that has since gone
    wrong (a course lapsed, times moved), as a real register has."""
    if share <= 0 or not needs or not volunteers:
        return []
    site_of = {x.id: x for x in sites}
    by_activity: dict[str, list[Volunteer]] = {}
    for v in volunteers:
        for a in v.activities:
            by_activity.setdefault(a, []).append(v)
    load: dict[str, int] = {}
    hours: dict[str, int] = {}
    days: dict[str, set[int]] = {}
    target = round(share * sum(n.headcount for n in needs))
    out: list[Pair] = []
    order = list(range(len(needs)))
    rng.shuffle(order)
    for ni in order:
        if len(out) >= target:
            break
        n = needs[ni]
        weekdays = ({s.weekday for s in n.weekly} if n.weekly is not None
                    else {n.once.date.isoweekday()} if n.once else set())
        pool = by_activity.get(n.activity, [])
        broken = rng.random() < 0.05
        minutes = need_minutes(n)
        places = 1 if broken else n.headcount
        for v in rng.sample(pool, min(len(pool), 60)):
            if places <= 0 or len(out) >= target:
                break
            if (v.id, n.id) in taken or load.get(v.id, 0) >= max(1, v.max_assignments):
                continue
            if days.get(v.id, set()) & weekdays:
                continue
            if v.max_hours_per_week is not None and hours.get(v.id, 0) + minutes > v.max_hours_per_week * 60:
                continue
            if not broken and not _looks_eligible(v, n, start, site_of.get(n.site)):
                continue
            out.append(Pair(volunteer=v.id, need=n.id))
            taken.add((v.id, n.id))
            load[v.id] = load.get(v.id, 0) + 1
            hours[v.id] = hours.get(v.id, 0) + minutes
            days.setdefault(v.id, set()).update(weekdays)
            places -= 1
    return out


# ----------------------------------------------------------------- entry point

_BROAD = [Slot(weekday=d, start="08:00", end="22:00") for d in range(1, 8)]


def generate(
    volunteers: int,
    needs: int,
    seed: int = 0,
    *,
    broad: bool = False,
    start: date = date(2027, 1, 4),
    weeks: int = 4,
    committed: float = 0.0,
) -> Scenario:
    """A synthetic municipality with `volunteers` volunteers and `needs` needs.

    Deterministic in all its arguments. With `broad=True` every volunteer is
    also available every day 08:00–22:00 (night windows are kept); everything else
    is the same as with `broad=False` for the same seed. `committed` (0–1) is the share
    of places already taken by placements in force (`Scenario.committed`); it draws from
    its own random stream, so everything else is the same whatever its value.
    """
    if not 0 <= committed <= 1:
        raise ValueError("committed is a share between 0 and 1")
    if volunteers < 0 or needs < 0:
        raise ValueError("volunteers and needs must be non-negative")
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    rng = random.Random(seed)
    days = weeks * 7
    horizon = Horizon(start=start, end=start + timedelta(days=days - 1))
    site_rng = random.Random(rng.getrandbits(64))
    need_rng = random.Random(rng.getrandbits(64))
    vol_rng = random.Random(rng.getrandbits(64))
    pin_rng = random.Random(rng.getrandbits(64))

    sites, kinds = _make_sites(site_rng, max(10, needs // 25))
    need_list = _make_needs(need_rng, needs, sites, kinds, start, days)
    vol_list = _make_volunteers(vol_rng, volunteers, sites, start, days)
    pinned, forbidden = _pins_and_vetoes(pin_rng, vol_list, need_list, sites, start)
    taken = {(x.volunteer, x.need) for x in (*pinned, *forbidden)}
    in_force = _committed(random.Random(rng.getrandbits(64)), committed, vol_list, need_list, sites, start, taken)

    if broad:
        vol_list = [
            _replace_availability(v, _BROAD + [s for s in v.availability if not _within_day(s)])
            for v in vol_list
        ]
    return Scenario(
        format=SCENARIO_FORMAT,
        horizon=horizon,
        trainings=list(TRAININGS),
        activities=list(ACTIVITIES),
        sites=sites,
        volunteers=vol_list,
        needs=need_list,
        pinned=pinned,
        forbidden=forbidden,
        previous=[],
        committed=in_force,
    )


def _within_day(s: Slot) -> bool:
    """Whether a window lies inside 08:00–22:00 (and so is covered by the broad windows)."""
    a, b = _m(s.start), _m(s.end)
    return b > a and a >= 8 * 60 and b <= 22 * 60


def _replace_availability(v: Volunteer, availability: list[Slot]) -> Volunteer:
    import msgspec

    availability.sort(key=lambda sl: (sl.weekday, sl.start))
    return msgspec.structs.replace(v, availability=availability)


def main(argv: list[str] | None = None) -> int:
    """`python -m matcher.generate VOLUNTEERS NEEDS [--seed S] [--broad] [-o FILE]`."""
    import argparse
    import sys

    import msgspec

    p = argparse.ArgumentParser(prog="python -m matcher.generate", description=__doc__.splitlines()[0])
    p.add_argument("volunteers", type=int)
    p.add_argument("needs", type=int)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--broad", action="store_true")
    p.add_argument("--start", type=date.fromisoformat, default=date(2027, 1, 4))
    p.add_argument("--weeks", type=int, default=4)
    p.add_argument("--committed", type=float, default=0.0, help="share of places already in force (0-1)")
    p.add_argument("-o", "--output", help="file to write (default: stdout)")
    a = p.parse_args(argv)
    s = generate(a.volunteers, a.needs, a.seed, broad=a.broad, start=a.start, weeks=a.weeks, committed=a.committed)
    data = msgspec.json.format(msgspec.json.encode(s), indent=2) if a.output is None else msgspec.json.encode(s)
    if a.output:
        with open(a.output, "wb") as f:
            f.write(data)
    else:
        sys.stdout.buffer.write(data + b"\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
