"""Every explanation code renders in Bokmål and English from code + data, with real parameters.

A generated municipality (matcher/generate.py, with placements in force) is solved; every
reason, near miss, placed-elsewhere note, unfilled summary, conflict and at-risk entry in the
plan is rendered in both languages. Codes the plan happens not to reach are rendered with
parameters taken from the same plan (the real values of the same data keys), so every code of
matcher/codes.py is exercised, and a missing or untranslated catalogue entry fails.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import msgspec
import pytest

from matcher.codes import CODES
from matcher.generate import generate
from matcher.schema import Plan, Scenario
from matcher.solve import SolveOptions, solve
from service.web import i18n

DATES = {"until", "start", "expires", "last", "first", "date", "week", "from", "to"}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Words that would give away the other language (whole words, lower case).
ENGLISH = {"the", "would", "volunteer", "volunteers", "and", "is", "are", "with", "but", "not", "at", "of",
           "placed", "instead", "meets", "every", "rule", "available", "need", "hours"}
NORWEGIAN = {"og", "ikke", "frivillig", "frivillige", "ville", "kvalifisert", "behovet", "er", "på", "med",
             "plassert", "timer", "uka", "til", "av"}


class Names:
    def __init__(self, sc: Scenario) -> None:
        self.sites = {s.id: s.name for s in sc.sites}
        self.activities = {a.id: a.name for a in sc.activities}
        self.trainings = {t.id: t.name for t in sc.trainings}
        self.needs = {n.id: n.title for n in sc.needs}

    def site(self, sid: str | None) -> str:
        return self.sites.get(sid or "", sid or "")

    def activity(self, aid: str | None) -> str:
        return self.activities.get(aid or "", aid or "")

    def training(self, tid: str) -> str:
        return self.trainings.get(tid, tid)

    def need_title(self, nid: str) -> str:
        return self.needs.get(nid, nid)


@pytest.fixture(scope="module")
def generated() -> tuple[Scenario, dict[str, Any]]:
    sc = generate(300, 100, seed=3, committed=0.3)
    plan = solve(sc, SolveOptions(time_limit=5))
    return sc, msgspec.to_builtins(plan)


def explanations(plan: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(kind, explanation) for everything in the plan that carries a code."""
    out: list[tuple[str, dict[str, Any]]] = []
    out += [("reason", r) for m in plan["matches"] for r in m["reasons"]]
    for u in plan["unfilled"]:
        out.append(("summary", u["reasons"]))
        out += [("miss", x) for x in u["reasons"]["nearest_misses"]]
        out += [("elsewhere", x) for x in u["reasons"]["placed_elsewhere"]]
    out += [("conflict", c) for c in plan["conflicts"]]
    out += [("risk", a) for a in plan["at_risk"]]
    return out


def words(lang: str, kind: str, item: dict[str, Any], names: Names) -> str:
    fn = {"reason": i18n.reason_text, "miss": i18n.near_miss_text, "elsewhere": i18n.elsewhere_text,
          "summary": i18n.unfilled_summary, "conflict": i18n.conflict_text, "risk": i18n.at_risk_text}[kind]
    return fn(lang, item, names)


def assert_in_language(lang: str, text: str, what: str) -> None:
    assert text and not PLACEHOLDER.search(text), f"{what}: unfilled placeholder in {text!r}"
    assert not re.match(r"^[a-z]+\.[a-z-]+", text), f"{what}: a bare catalogue key {text!r}"
    found = set(re.findall(r"[a-zæøå]+", text.lower())) & (ENGLISH if lang == "nb" else NORWEGIAN)
    # names of trainings, activities and sites are Norwegian in both languages: judge the words around them
    assert not found, f"{what} ({lang}) has words of the other language {sorted(found)}: {text!r}"


def strip_names(text: str, names: Names) -> str:
    for name in sorted([*names.sites.values(), *names.activities.values(), *names.trainings.values(),
                        *names.needs.values()], key=len, reverse=True):
        text = text.replace(name, "«»").replace(name.lower(), "«»")
    return text


def test_every_explanation_in_a_generated_plan_renders_in_both_languages(generated: tuple[Scenario, Any]) -> None:
    sc, plan = generated
    names = Names(sc)
    items = explanations(plan)
    assert len(items) > 200
    assert all(item.get("code") for _, item in items), "every explanation carries a code"
    for kind, item in items:
        nb, en = words("nb", kind, item, names), words("en", kind, item, names)
        what = f"{kind}.{item['code']}"
        assert nb != en, f"{what} is not translated: {nb!r}"
        assert_in_language("nb", strip_names(nb, names), what)
        assert_in_language("en", strip_names(en, names), what)
        english = str(item.get("text") or item.get("summary") or item.get("message") or "")
        assert nb != english


def test_every_code_renders_with_real_parameters(generated: tuple[Scenario, Any]) -> None:
    """Codes the plan does not reach get the plan's own values for the same data keys."""
    sc, plan = generated
    names = Names(sc)
    seen: dict[str, dict[str, Any]] = {}
    values: dict[str, Any] = {}
    for kind, item in explanations(plan):
        seen.setdefault(f"{kind}.{item['code']}", item)
        for k, v in (item.get("data") or {}).items():
            if v not in (None, [], ""):
                values.setdefault(k, v)
    values.setdefault("rules", ["E3"])
    values.setdefault("headcount", 2)
    values.setdefault("holders", 3)
    for v in ("assignments", "max_assignments", "outside", "occurrences", "here", "eligible"):
        values.setdefault(v, 2)
    catalogue = {str(m.id): str(m.string) for m in i18n.read_catalogue("en") if m.id}
    missing: list[str] = []
    for kind, codes in CODES.items():
        for code in codes:
            variants = [k for k in catalogue if k == f"{kind}.{code}" or k.startswith(f"{kind}.{code}.")]
            if not variants:
                missing.append(f"{kind}.{code}")
                continue
            fields = {f for k in variants for f in PLACEHOLDER.findall(catalogue[k])}
            fields -= {"vols", "n", "title", "here_vols"}
            some_date = values.get("week") or sc.horizon.start.isoformat()
            data = {f: values.get(f, some_date if f in DATES else 2) for f in fields}
            item = seen.get(f"{kind}.{code}") or {"code": code, "data": data, "count": 3, "rule": "E3"}
            if kind == "summary":
                item = {**item, "code": code}
            for count in (1, 3) if kind == "miss" else (None,):
                if count is not None:
                    item = {**item, "count": count}
                nb, en = words("nb", kind, item, names), words("en", kind, item, names)
                assert nb != en, f"{kind}.{code} is not translated"
                assert_in_language("nb", strip_names(nb, names), f"{kind}.{code}")
                assert_in_language("en", strip_names(en, names), f"{kind}.{code}")
    assert missing == []


def test_each_code_family_is_listed_for_extraction() -> None:
    expected = {f"{kind}.{code}" for kind, codes in CODES.items() for code in codes}
    assert expected - set(i18n.RUNTIME_KEYS) == set()
    nb = {str(m.id) for m in i18n.read_catalogue("nb") if m.id}
    variants = {k for k in nb if k.split(".")[0] in CODES and k.endswith((".one", ".plain", ".activity"))}
    assert variants - set(i18n.RUNTIME_KEYS) == set()


def test_codes_are_enums_in_the_plan_schema() -> None:
    schema = msgspec.json.schema(Plan)
    enums = defaultdict(set)
    for name, definition in schema["$defs"].items():
        code = definition.get("properties", {}).get("code")
        if code is None:
            continue
        for option in code.get("anyOf", [code]):
            enums[name] |= set(option.get("enum", []))
    assert enums["Reason"] == set(CODES["reason"])
    assert enums["NearMiss"] == set(CODES["miss"])
    assert enums["PlacedElsewhere"] == set(CODES["elsewhere"])
    assert enums["UnfilledReasons"] == set(CODES["summary"])
    assert enums["Conflict"] == set(CODES["conflict"])
    assert enums["AtRisk"] == set(CODES["risk"])


def test_a_plan_stored_before_codes_shows_its_own_sentence() -> None:
    old = {"rule": "E3", "count": 2, "text": "2 volunteers would qualify with a valid Demens"}
    assert i18n.near_miss_text("nb", old) == old["text"]
    assert i18n.reason_text("nb", {"code": "continuity", "text": "has been X at Y before",
                                   "data": {"same_activity": True}}, need={"site": "eik", "activity": "x"}) \
        == "Har vært x på eik før"
