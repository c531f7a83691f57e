"""The house rules of docs/architecture.md, checked: rooms by capability, arrows pointing down,
modules a newcomer can read, and docs that name files that exist."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("ekiden", "races", "results")
MAX_LINES = 500


def source_files(*suffixes: str) -> list[Path]:
    return [
        path
        for app in APPS
        for suffix in suffixes
        for path in (ROOT / app).rglob(f"*{suffix}")
        if "migrations" not in path.parts and "__pycache__" not in path.parts
    ]


def test_no_module_is_longer_than_a_newcomer_reads():
    long = {
        str(path.relative_to(ROOT)): lines
        for path in source_files(".py", ".js")
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_the_finished_status_is_spelt_in_one_module():
    spelling = re.compile(r"""["']FIN["']""")
    modules = [str(p.relative_to(ROOT)) for p in source_files(".py") if spelling.search(p.read_text())]
    assert len(modules) == 1, modules


def test_imports_point_down_the_layers():
    # The contracts are in pyproject.toml ([tool.importlinter]); function-level imports count too.
    linter = Path(sys.executable).with_name("lint-imports")
    checked = subprocess.run([linter, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout[-3000:]


# A path into this repository, or into one of the folders paths are named from.
NAMED_FILE = re.compile(
    r"(?<![\w/.-])((?:docs|ekiden|races|results|templates|tests|timing|standings|publishing|officials|simulation)"
    r"/[\w/.-]*\w\.(?:py|html|js|md|css|json|csv|txt))"
)
#: Where a path may be named from: the repository, templates/ (render() and {% include %}),
#: results/static/ ({% static %}) and results/ (docs/architecture.md names the capabilities'
#: modules as timing/…, standings/…).
NAMED_FROM = ("", "templates", "results/static", "results")


def named_files(path: Path) -> set[str]:
    return set(NAMED_FILE.findall(path.read_text(encoding="utf-8")))


def test_docs_and_comments_name_files_that_exist():
    texts = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *source_files(".py", ".js", ".html")]
    texts += [path for path in (ROOT / "tests").rglob("*.py") if "__pycache__" not in path.parts]
    texts += list((ROOT / "templates").rglob("*.html"))
    missing = {
        f"{text.relative_to(ROOT)}: {name}"
        for text in texts
        for name in named_files(text)
        if not any((ROOT / folder / name).exists() for folder in NAMED_FROM)
    }
    assert missing == set()
