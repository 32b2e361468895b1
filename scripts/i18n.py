#!/usr/bin/env python3
"""The message catalogues' chores: add a string, sync with the code, check completeness.

    python scripts/i18n.py add need.flag --nb "Flagget av {who}" --en "Flagged by {who}"
    python scripts/i18n.py update      # pybabel extract + update with the project's options
    python scripts/i18n.py check       # what tests/service/web/test_catalogue.py checks

The msgids are keys (`need.flag`); templates say `_('need.flag', who=name)` and Python says
`i18n.t(lang, "need.flag", who=name)`. Placeholders are `{name}` in both languages.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
LOCALE_DIR = ROOT / "service" / "locale"
LANGS = ("nb", "en")
EXTRACT = ["-F", str(ROOT / "babel.cfg"), "-k", "t:2", "-k", "N_", "--no-location", "--sort-output",
           "--omit-header"]
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def po_path(locale_dir: Path, lang: str) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / "messages.po"


def load(locale_dir: Path, lang: str) -> Catalog:
    with po_path(locale_dir, lang).open("rb") as f:
        return read_po(f, locale=lang)


def save(locale_dir: Path, lang: str, catalog: Catalog) -> None:
    # One line per msgstr, sorted by key: parallel additions rarely touch the same lines.
    with po_path(locale_dir, lang).open("wb") as f:
        write_po(f, catalog, width=0, no_location=True, sort_output=True)


def add(locale_dir: Path, key: str, texts: dict[str, str]) -> None:
    """Add `key` (or replace its words) in every catalogue."""
    fields = {lang: set(PLACEHOLDER.findall(text)) for lang, text in texts.items()}
    if len({frozenset(f) for f in fields.values()}) > 1:
        raise SystemExit(f"{key}: the languages use different placeholders: {fields}")
    for lang, text in texts.items():
        catalog = load(locale_dir, lang)
        if key in catalog:
            del catalog[key]
        catalog.add(key, text)
        save(locale_dir, lang, catalog)


def extracted_keys(source: Path = ROOT / "service") -> set[str]:
    """Every key the code and the templates use, as `pybabel extract` sees them."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        CommandLineInterface().run(["pybabel", "-q", "extract", *EXTRACT, "-o", str(pot), str(source)])
        with pot.open("rb") as f:
            return {str(m.id) for m in read_po(f) if m.id}


def update(locale_dir: Path) -> None:
    """Extract the keys and merge them into both catalogues: new keys arrive with empty words."""
    pot = locale_dir / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", *EXTRACT, "-o", str(pot), str(ROOT / "service")])
    CommandLineInterface().run(["pybabel", "-q", "update", "-i", str(pot), "-d", str(locale_dir), "--no-wrap",
                                "--no-fuzzy-matching"])
    for lang in LANGS:  # keep the sorted, one-line layout
        save(locale_dir, lang, load(locale_dir, lang))
    pot.unlink()


def problems(locale_dir: Path) -> list[str]:
    """Missing keys, empty or fuzzy words, placeholders that differ between the languages."""
    out: list[str] = []
    cats = {lang: load(locale_dir, lang) for lang in LANGS}
    used = extracted_keys()
    for lang, cat in cats.items():
        ids = {str(m.id) for m in cat if m.id}
        out += [f"{lang}: {k} is used but missing" for k in sorted(used - ids)]
        out += [f"{lang}: {k} is not used (mark run-time keys with N_ in service/web/i18n.py)"
                for k in sorted(ids - used)]
        out += [f"{lang}: {m.id} has no words" for m in cat if m.id and not m.string]
        out += [f"{lang}: {m.id} is fuzzy" for m in cat if m.id and m.fuzzy]
    nb, en = cats["nb"], cats["en"]
    for m in nb:
        other = en.get(m.id) if m.id else None
        if other is not None and m.string and other.string and (
                set(PLACEHOLDER.findall(str(m.string))) != set(PLACEHOLDER.findall(str(other.string)))):
            out.append(f"{m.id}: nb and en use different placeholders")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--locale-dir", type=Path, default=LOCALE_DIR)
    sub = parser.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("add", help="add a key, or change its words, in both catalogues")
    a.add_argument("key")
    for lang in LANGS:
        a.add_argument(f"--{lang}", required=True, help=f"the words in {lang}")
    sub.add_parser("update", help="pybabel extract + update")
    sub.add_parser("check", help="exit 1 on missing, empty or mismatched strings")
    args = parser.parse_args(argv)
    if args.cmd == "add":
        add(args.locale_dir, args.key, {lang: getattr(args, lang) for lang in LANGS})
    elif args.cmd == "update":
        update(args.locale_dir)
    else:
        found = problems(args.locale_dir)
        print("\n".join(found) or "catalogues complete")
        return 1 if found else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
