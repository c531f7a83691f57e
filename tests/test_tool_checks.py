"""The browser and PDF tests' checks for their tools: a developer without Chromium, a font or
poppler gets a skip that says what to install; CI (`.ci/run` sets CI=1) gets a failure, so a
suite that silently stopped running them cannot pass."""

import pytest

from tests import printing
from tests.chromium import require_chromium
from tests.printing import POPPLER, require_pdf_tools


def only_on_path(monkeypatch, folder, *programs: str) -> None:
    """PATH is `folder` alone, holding these programs (scripts that do nothing)."""
    for name in programs:
        program = folder / name
        program.write_text("#!/bin/sh\n", encoding="utf-8")
        program.chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))


@pytest.fixture
def developer(monkeypatch):
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture
def ci(monkeypatch):
    monkeypatch.setenv("CI", "1")


class TestChromium:
    def test_is_found_on_path_under_another_distribution_s_name(self, monkeypatch, tmp_path, ci):
        only_on_path(monkeypatch, tmp_path, "chromium-browser")
        assert require_chromium() == str(tmp_path / "chromium-browser")

    def test_missing_it_skips_a_developer_s_browser_tests_saying_what_to_install(
        self, monkeypatch, tmp_path, developer
    ):
        only_on_path(monkeypatch, tmp_path)
        with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
            require_chromium()

    def test_missing_it_fails_on_ci(self, monkeypatch, tmp_path, ci):
        only_on_path(monkeypatch, tmp_path)
        with pytest.raises(pytest.fail.Exception, match="Chromium is missing on CI"):
            require_chromium()


class TestPdfTools:
    def test_fonts_and_poppler_present_let_the_tests_run(self, monkeypatch, tmp_path, ci):
        only_on_path(monkeypatch, tmp_path, *POPPLER)
        monkeypatch.setattr(printing, "missing_fonts", lambda: [])
        require_pdf_tools()

    def test_missing_poppler_skips_a_developer_s_pdf_tests(self, monkeypatch, tmp_path, developer):
        only_on_path(monkeypatch, tmp_path, "pdfinfo")
        monkeypatch.setattr(printing, "missing_fonts", lambda: [])
        with pytest.raises(pytest.skip.Exception, match="pdftotext, pdffonts, pdftoppm, pdfimages"):
            require_pdf_tools()

    def test_missing_poppler_or_a_font_fails_on_ci(self, monkeypatch, tmp_path, ci):
        only_on_path(monkeypatch, tmp_path)
        monkeypatch.setattr(printing, "missing_fonts", lambda: [])
        with pytest.raises(pytest.fail.Exception, match="missing on CI: poppler's pdftotext"):
            require_pdf_tools()
        only_on_path(monkeypatch, tmp_path, *POPPLER)
        monkeypatch.setattr(printing, "missing_fonts", lambda: ["The PDF font /x/ipaexg.ttf is missing"])
        with pytest.raises(pytest.fail.Exception, match=r"ipaexg\.ttf is missing"):
            require_pdf_tools()
