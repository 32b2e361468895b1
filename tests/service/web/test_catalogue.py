"""The gettext catalogues (service/locale/{nb,en}) are complete for what the code and templates use."""

from __future__ import annotations

import importlib.util
import re
import shutil
from pathlib import Path
from typing import get_args

import pytest

from events.schema import CATEGORIES, EventState
from matcher.rules import RULE_NAMES
from service.web import i18n, templating

ROOT = Path(__file__).resolve().parents[3]
_spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
assert _spec and _spec.loader
script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(script)


def keys(lang: str) -> dict[str, str]:
    return {str(m.id): str(m.string) for m in i18n.read_catalogue(lang) if m.id}


def test_both_catalogues_have_the_same_keys_and_no_empty_words() -> None:
    nb, en = keys("nb"), keys("en")
    assert set(nb) == set(en)
    assert len(nb) > 250
    assert [k for k, v in nb.items() if not v.strip()] == []
    assert [k for k, v in en.items() if not v.strip()] == []
    assert [str(m.id) for lang in i18n.LANGS for m in i18n.read_catalogue(lang) if m.id and m.fuzzy] == []


def test_placeholders_agree_between_languages() -> None:
    # (Babel derives the python-brace-format flag from the msgid, which is a key here; so this test checks it.)
    nb, en = keys("nb"), keys("en")
    for k in nb:
        assert set(re.findall(r"\{(\w*)\}", nb[k])) == set(re.findall(r"\{(\w*)\}", en[k])), k


def test_every_key_the_code_and_templates_use_is_in_both_catalogues() -> None:
    """Extraction with babel.cfg (what `pybabel extract` sees) against the catalogues, both ways:
    nothing used is missing, and nothing in them would be dropped by `pybabel update`."""
    used = script.extracted_keys()
    assert {"matching.title", "ex.board.latest", "need.open", "rule.E6", "miss.not-available-on-day"} <= used
    for lang in i18n.LANGS:
        assert used - set(keys(lang)) == set(), lang
        assert set(keys(lang)) - used == set(), lang


def test_run_time_key_families_cover_the_domain_values() -> None:
    nb = keys("nb")
    expected = ({f"rule.{r}" for r in RULE_NAMES} | {f"ex.state.{s}" for s in get_args(EventState)}
                | {f"ex.category.{c}" for c in CATEGORIES}
                | {f"state.{s}" for s in ("proposed", "accepted", "rejected")}
                | {f"placement.state.{s}" for s in ("offered", "confirmed", "declined", "ended")})
    assert expected - set(nb) == set()
    assert expected <= set(i18n.RUNTIME_KEYS)


def test_a_template_key_renders_in_each_language_with_keywords() -> None:
    env = templating.environment()
    tpl = env.from_string("{{ _('need.open', n=3) }}|{{ 4.5 | number }}|{{ 1 | weekday }}|{{ ['a', 'b'] | and_list }}")
    assert tpl.render(lang="nb") == "3 åpne|4,5|mandag|a og b"
    assert tpl.render(lang="en") == "3 open|4.5|Monday|a and b"


def test_adding_a_string_with_the_helper(tmp_path: Path) -> None:
    """How a developer adds a string: scripts/i18n.py add (here on a copy of the catalogues)."""
    locale = tmp_path / "locale"
    shutil.copytree(i18n.LOCALE_DIR, locale)
    assert script.main(["--locale-dir", str(locale), "add", "need.flagged",
                        "--nb", "Flagget av {who}", "--en", "Flagged by {who}"]) == 0
    nb, en = script.load(locale, "nb"), script.load(locale, "en")
    assert nb["need.flagged"].string == "Flagget av {who}"
    assert en["need.flagged"].string == "Flagged by {who}"
    # the new key is not used by the code yet: the check says so
    assert "nb: need.flagged is not used (mark run-time keys with N_ in service/web/i18n.py)" in script.problems(locale)
    with pytest.raises(SystemExit, match="different placeholders"):
        script.add(locale, "need.bad", {"nb": "{a}", "en": "{b}"})


def test_the_shipped_catalogues_pass_the_helpers_check() -> None:
    assert script.problems(i18n.LOCALE_DIR) == []
