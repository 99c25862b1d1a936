"""The French catalogue is complete and compiled, and the site speaks French at "/" and English at "/en/".

The msgids are English, so a missing or fuzzy French entry shows English to
French visitors. The .po is read with the standard library only; the .mo is
checked through Django's gettext (``make test`` compiles it first).
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.utils import translation

FRENCH_PO = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


@dataclass
class Entry:
    """One message of a .po file."""

    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # 0 for a singular msgstr

    @property
    def label(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


def parse_entry(block: str, line: int) -> Entry:
    """One blank-line separated block of a .po file."""
    entry = Entry(line=line)
    target: tuple[str, int] | None = None  # the field a continuation line extends
    for raw in block.splitlines():
        text = raw.strip()
        if text.startswith("#,"):
            entry.flags |= {flag.strip() for flag in text[2:].split(",")}
            continue
        if text.startswith("#"):
            continue
        if not text.startswith('"'):
            keyword, _space, text = text.partition(" ")
            plural_form = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if plural_form:
                target = ("msgstr", int(plural_form.group(1)))
            elif keyword in ("msgctxt", "msgid", "msgid_plural", "msgstr"):
                target = (keyword, 0)
            else:
                raise AssertionError(f"line {line}: unexpected {raw!r}")
        assert target is not None, f"line {line}: a string continues nothing"
        value = ast.literal_eval(text)
        name, index = target
        if name == "msgstr":
            entry.msgstr[index] = entry.msgstr.get(index, "") + value
        else:
            setattr(entry, name, (getattr(entry, name) or "") + value)
    return entry


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file, the header (empty msgid) first; obsolete (#~) entries left out."""
    text = path.read_text(encoding="utf-8")
    entries = []
    for block in re.finditer(r"(?:^[^\S\n]*\S.*(?:\n|$))+", text, flags=re.MULTILINE):
        kept = "\n".join(raw for raw in block.group().splitlines() if not raw.startswith("#~"))
        if any(raw.strip() and not raw.startswith("#") for raw in kept.splitlines()):
            entries.append(parse_entry(kept, line=text.count("\n", 0, block.start()) + 1))
    return entries


@pytest.fixture(scope="module")
def french_entries() -> list[Entry]:
    entries = parse_po(FRENCH_PO)
    assert entries and entries[0].msgid == "", "the .po has no header"
    return entries


def test_i18n_french_header_declares_language_charset_and_plural_rule(french_entries):
    header = french_entries[0]
    assert "fuzzy" not in header.flags
    assert "Language: fr\n" in header.msgstr[0]
    assert "Content-Type: text/plain; charset=UTF-8\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=2; plural=(n > 1);\n" in header.msgstr[0]


def test_i18n_every_french_entry_is_translated_and_not_fuzzy(french_entries):
    messages = french_entries[1:]
    assert len(messages) > 100  # the interface really was extracted
    fuzzy = [e.label for e in messages if "fuzzy" in e.flags]
    untranslated = [
        e.label
        for e in messages
        if not all(e.msgstr.get(n, "").strip() for n in ((0, 1) if e.msgid_plural is not None else (0,)))
    ]
    assert fuzzy == []
    assert untranslated == []


def test_i18n_french_entries_keep_placeholders_and_html(french_entries):
    broken = []
    for entry in french_entries[1:]:
        source = entry.msgid + (entry.msgid_plural or "")
        for form in entry.msgstr.values():
            if set(PLACEHOLDER.findall(form)) != set(PLACEHOLDER.findall(source)):
                broken.append(f"{entry.label} placeholders")
            if sorted(HTML_TAG.findall(form)) != sorted(HTML_TAG.findall(entry.msgid)):
                broken.append(f"{entry.label} HTML")
    assert broken == []


def test_i18n_compiled_french_catalogue_matches_the_po(french_entries):
    """Django serves every .po translation: the .mo exists and is up to date (run `make compilemessages`)."""
    stale = []
    with translation.override("fr"):
        for e in french_entries[1:]:
            if e.msgid_plural is not None:
                served = (
                    translation.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 1)
                    if e.msgctxt
                    else translation.ngettext(e.msgid, e.msgid_plural, 1),
                    translation.npgettext(e.msgctxt, e.msgid, e.msgid_plural, 2)
                    if e.msgctxt
                    else translation.ngettext(e.msgid, e.msgid_plural, 2),
                )
                wanted = (e.msgstr[0], e.msgstr[1])
            else:
                served = translation.pgettext(e.msgctxt, e.msgid) if e.msgctxt else translation.gettext(e.msgid)
                wanted = e.msgstr[0]
            if served != wanted:
                stale.append(e.label)
    assert stale == []


def test_i18n_french_plural_is_singular_for_zero_and_one():
    with translation.override("fr"):
        labels = [
            translation.ngettext("%(counter)s course", "%(counter)s courses", n) % {"counter": n} for n in (0, 1, 2)
        ]
    assert labels == ["0 formation", "1 formation", "2 formations"]


def _skip_link_and_menu(response) -> tuple[str, str, str]:
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    return (
        page.html["lang"],
        page.select_one("a.skip-link").get_text(strip=True),
        page.select_one("nav.site-nav")["aria-label"],
    )


def test_i18n_french_home_shows_french_interface(client, home_page):
    assert _skip_link_and_menu(client.get("/")) == ("fr", "Aller au contenu", "Menu principal")


def test_i18n_english_home_shows_english_interface(client, home_page, locales):
    english_home = home_page.copy_for_translation(locales["en"])
    english_home.save_revision().publish()

    assert _skip_link_and_menu(client.get("/en/")) == ("en", "Skip to content", "Main menu")
