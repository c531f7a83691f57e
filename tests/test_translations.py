"""The Malay and Japanese catalogs: complete where they must be, placeholders kept, and served.

The .po files are read with a small parser (no polib); the pages are read through Django with
the compiled .mo files, which the session fixture builds when they are missing (a fresh clone on
which `make install` was skipped).
"""

import ast
import re
import shutil
from collections import Counter
from contextlib import chdir
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import TestCase
from django.utils.translation import trans_real

from tests.test_live_pages import body_of, fresh, standings_url, team_url
from tests.test_pages import build_hand_race

LANGUAGES = ("ms", "ja")
LOCALE = Path(settings.BASE_DIR) / "locale"

# The public pages: what runners, captains and families read. Every string from these files must
# be translated; the officials' and admin strings are checked for placeholders when translated.
PUBLIC_FILES = {
    "templates/base.html",
    "results/publishing/views.py",
    "results/publishing/filters.py",
    "races/forms.py",
    "races/views.py",
}
PUBLIC_FOLDERS = ("templates/results/", "templates/races/", "results/publishing/tables/")

#: Where the project's strings are: the apps, the project package, the site templates, and the catalogs.
SOURCE_FOLDERS = ("ekiden", "races", "results", "templates", "locale")

PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdifr]|\{\{.*?\}\}|\{%.*?%\}")
# The keypad's keys keep the names printed on keyboards.
KEY_NAMES = {"Enter"}
TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: msgid, msgid_plural, msgstr (a list), flags and references."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry = {"refs": [], "flags": [], "msgid": None, "plural": None, "msgstr": []}
        field = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry["msgid"] = None  # obsolete: not in the sources any more
                break
            if line.startswith("#:"):
                entry["refs"] += [ref.rsplit(":", 1)[0] for ref in line[2:].split()]
            elif line.startswith("#,"):
                entry["flags"] += [flag.strip() for flag in line[2:].split(",")]
            elif line.startswith("#"):
                continue
            elif line.startswith("msgctxt "):
                field = "ctx"
            elif line.startswith("msgid_plural "):
                field, entry["plural"] = "plural", ast.literal_eval(line[13:])
            elif line.startswith("msgid "):
                field, entry["msgid"] = "msgid", ast.literal_eval(line[6:])
            elif line.startswith("msgstr"):
                field = "msgstr"
                entry["msgstr"].append(ast.literal_eval(line.split(" ", 1)[1]))
            elif line.startswith('"'):
                text = ast.literal_eval(line)
                if field == "msgstr":
                    entry["msgstr"][-1] += text
                elif field in ("msgid", "plural"):
                    entry[field] += text
        if entry["msgid"]:  # not the header
            entries.append(entry)
    return entries


def is_public(entry: dict) -> bool:
    return any(ref in PUBLIC_FILES or ref.startswith(PUBLIC_FOLDERS) for ref in entry["refs"])


def placeholders(text: str) -> Counter:
    return Counter(PLACEHOLDER.findall(text))


@pytest.fixture(scope="session", autouse=True)
def compiled_messages():
    """The .mo files, compiled here when `make install` was skipped."""
    missing = [lang for lang in LANGUAGES if not (po_path(lang).with_suffix(".mo")).exists()]
    if missing:
        call_command("compilemessages", ignore=[".venv"], verbosity=0)
        # A catalog read before the .mo existed is cached empty: read them again.
        trans_real._translations = {}
        trans_real._default = None


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_string_is_translated_and_checked(language):
    entries = read_po(po_path(language))
    public = [e for e in entries if is_public(e)]
    assert len(public) > 100
    untranslated = [e["msgid"] for e in public if not all(e["msgstr"]) or not e["msgstr"]]
    assert untranslated == []
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    assert fuzzy == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_string_is_translated(language):
    """Officials' pages, the admin, e-mails, PDFs, API and command messages too, not only the
    public pages: `msgfmt --statistics` would say 0 untranslated and 0 fuzzy."""
    untranslated = [e["msgid"] for e in read_po(po_path(language)) if not all(e["msgstr"])]
    assert untranslated == []


def test_no_string_of_the_sources_is_missing_from_the_catalogs(tmp_path, settings):
    """A new string in the code or a template must come with its Malay and Japanese: makemessages
    run on a copy of the sources and catalogs finds no entry they lack. Without this, a string
    added after the last makemessages would show in English and no other test would notice.

    A copy, because makemessages writes to the `locale` folder of the tree it runs in."""
    base = Path(settings.BASE_DIR)
    for folder in SOURCE_FOLDERS:
        shutil.copytree(
            base / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.mo", "__pycache__")
        )
    settings.LOCALE_PATHS = [str(tmp_path / "locale")]
    with chdir(tmp_path):
        call_command("makemessages", locale=list(LANGUAGES), verbosity=0)
    for language in LANGUAGES:
        regenerated = read_po(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po")
        missing = [e["msgid"] for e in regenerated if not all(e["msgstr"]) or "fuzzy" in e["flags"]]
        assert missing == [], (
            f"{language}: strings without a translation; run `manage.py makemessages -l ms -l ja "
            "--ignore=.venv --ignore=tests` and translate them"
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_translation_is_never_the_english_copied(language):
    copied = [
        e["msgid"]
        for e in read_po(po_path(language))
        if e["msgstr"]
        and e["msgstr"][0] == e["msgid"]
        and re.search(r"[a-z]{3}", e["msgid"])
        and e["msgid"] not in KEY_NAMES
    ]
    # A few words are the same in Malay (Status, Bib, Live…) — none in Japanese.
    if language == "ja":
        assert copied == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_and_html_are_kept(language):
    entries = read_po(po_path(language))
    assert all(len(e["msgstr"]) == 1 for e in entries), "nplurals=1: one msgstr[0] per plural entry"
    for entry in entries:
        translation = entry["msgstr"][0]
        if not translation:
            continue
        wanted = placeholders(entry["msgid"])
        if entry["plural"]:
            # The singular may leave the number out ("%(legs)s runner"); the one form keeps it.
            wanted = placeholders(entry["plural"])
        assert placeholders(translation) == wanted, entry["msgid"]
        assert Counter(TAG.findall(translation)) == Counter(TAG.findall(entry["msgid"])), entry["msgid"]


def test_the_plural_forms_header_says_one_form():
    for language in LANGUAGES:
        text = po_path(language).read_text(encoding="utf-8")
        assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in text
        assert f'"Language: {language}\\n"' in text


class TranslatedStandingsTest(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.race = build_hand_race()

    def setUp(self):
        fresh()

    def test_the_standings_in_malay(self):
        body = body_of(self.client.get(standings_url(), headers={"Accept-Language": "ms"}))
        self.assertIn('<html lang="ms">', body)
        for words in ("Langkau ke kandungan utama", "Tapis", "Kategori", "Pasukan", "Masa"):
            self.assertIn(words, body)
        self.assertNotIn("Skip to main content", body)

    def test_the_standings_in_japanese_from_the_language_cookie(self):
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
        body = body_of(self.client.get(standings_url()))
        self.assertIn('<html lang="ja">', body)
        for words in ("本文へ移動", "絞り込み", "部門", "チーム", "タイム"):
            self.assertIn(words, body)
        self.assertIn("Harimau Striders", body)  # names are never translated

    def test_a_team_page_in_japanese_says_the_status(self):
        body = body_of(self.client.get(team_url("105"), headers={"Accept-Language": "ja"}))
        self.assertIn('<html lang="ja">', body)
        self.assertIn("失格", body)
