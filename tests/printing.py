"""For the PDF tests: a race with names in every script, and poppler's tools to read the files.

The files are checked the way a person would: the text poppler extracts (every name must come
back exactly), the fonts it finds embedded, the number of pages. A page of each kind is kept as
a PNG under var/test-artifacts/ for someone to look at.
"""

import csv
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from races.models import Race, Runner
from results.publishing.pdf.fonts import missing_fonts
from tests.commands import run
from tests.conftest import EXAMPLES

ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts"
POPPLER = ("pdftotext", "pdfinfo", "pdffonts", "pdftoppm", "pdfimages")

PDF_PACKAGES = "fonts-dejavu-core fonts-ipaexfont-gothic fonts-droid-fallback poppler-utils"


def missing_pdf_tools() -> list[str]:
    """What the PDF tests lack on this machine: a sentence per font file, a name per poppler tool."""
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    return missing_fonts() + ([f"poppler's {', '.join(missing)} not on PATH"] if missing else [])


def require_pdf_tools() -> None:
    """Skip the calling test where a PDF font or poppler tool is missing, and on CI fail:
    there a PDF test skipped is a PDF test that silently stopped running."""
    missing = missing_pdf_tools()
    if not missing:
        return
    if os.environ.get("CI"):
        pytest.fail(f"missing on CI: {'; '.join(missing)}. apt-get install {PDF_PACKAGES}", pytrace=False)
    pytest.skip(
        f"needs the PDF fonts and poppler-utils ({'; '.join(missing)}): apt-get install {PDF_PACKAGES}"
    )


# On a test class, function or module (pytestmark): tests/conftest.py calls `require_pdf_tools`
# before the test's setup, so a class's setUpTestData runs only where the tools are.
needs_pdf_tools = pytest.mark.pdf_tools

# Written into the worked example (mini-ekiden), one per script the certificates must carry.
NAMES = {
    ("124", 1): "佐藤 花子",  # Japanese; 124 "高橋 & Friends" wins the race and Mixed Senior
    ("115", 2): "陈伟明",  # Simplified Chinese
    ("101", 1): "Nurul Aisyah binti Ahmad",
    ("114", 2): "Zażółć Gęślą",  # Polish
}
# Already in the example: Vietnamese and Danish.
EXAMPLE_NAMES = ("Ngô Bảo Châu", "Søren Kierkegård")
WINNER = "高橋 & Friends"


def make_print_jobs_in_process(monkeypatch) -> None:
    """Print jobs made in the test's process, whatever the broker: as in the embedded mode, and
    with REDIS_URL set too (then Celery would send them to a worker these tests do not start)."""
    from results.publishing import print_jobs
    from results.tasks import make_print_file

    monkeypatch.setattr(
        print_jobs, "_enqueue", lambda job: make_print_file.apply(args=(job.pk,), task_id=job.task_id)
    )


def load_mini_ekiden() -> Race:
    """The worked example through the contract commands, with the names above written in."""
    folder = EXAMPLES / "mini-ekiden"
    assert run("import_race", str(folder / "race.json")).ok
    assert run("import_entries", "mini-ekiden", str(folder / "entries.csv")).ok
    assert run("import_timing", "mini-ekiden", str(folder / "timing.csv")).ok
    with (folder / "status.tsv").open(encoding="utf-8") as statuses:
        for bib, status, reason in csv.reader(statuses, delimiter="\t"):
            assert run("set_team_status", "mini-ekiden", bib, status, "--reason", reason).ok
    race = Race.objects.get(slug="mini-ekiden")
    for (bib, leg), name in NAMES.items():
        Runner.objects.filter(team__race=race, team__bib=bib, leg=leg).update(name=name)
    race.bump_standings_version()
    return race


def pdf_text(path: Path, first_page: int = 1) -> str:
    command = ["pdftotext", "-enc", "UTF-8", "-f", str(first_page), str(path), "-"]
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout


def pdf_pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def pdf_fonts(path: Path) -> list[tuple[str, str]]:
    """(font name, embedded yes/no) for every font poppler finds."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        # name type... encoding emb sub uni object ID: count from the right, types have spaces.
        fields = line.split()
        rows.append((fields[0], fields[-5]))
    return rows


def pdf_images(path: Path) -> int:
    out = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True).stdout
    return len(out.splitlines()) - 2


def keep_page_as_png(pdf: Path, name: str, page: int = 1) -> Path:
    """Page `page` at 50 dpi under var/test-artifacts/, for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS / name
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "50",
            "-f",
            str(page),
            "-l",
            str(page),
            "-singlefile",
            str(pdf),
            str(stem),
        ],
        check=True,
    )
    return stem.with_suffix(".png")
