"""A problem is a message and where it is; each screen places it from those, never from the words."""

from unittest import mock

from django import forms
from django.test import SimpleTestCase
from django.utils import translation

from races.problems import InputProblems, Problem, add_to_form, problem_line


class TestOneLine(SimpleTestCase):
    def test_a_row_s_problem_names_its_line_and_column(self):
        problem = Problem("'Q' is not a gender; use F, M or X.", field="gender", line=3)
        assert str(problem) == "line 3, gender: 'Q' is not a gender; use F, M or X."

    def test_every_shape_of_place_has_its_line(self):
        assert problem_line(Problem("missing column(s) leg.", line=1)) == "line 1: missing column(s) leg."
        assert (
            problem_line(Problem("not a station.", field="station", index=2))
            == "index 2, station: not a station."
        )
        assert problem_line(Problem("the body is empty.", index=0)) == "index 0: the body is empty."
        assert problem_line(Problem("say why.", field="reason")) == "reason: say why."
        assert problem_line(Problem("race 'nope' does not exist.")) == "race 'nope' does not exist."

    def test_a_translation_words_the_whole_line_in_its_own_order(self):
        japanese = {"line %(line)d, %(field)s: %(message)s": "%(line)d 行目の %(field)s：%(message)s"}
        with mock.patch("races.problems._", lambda text: japanese.get(text, text)):
            assert str(Problem("空です。", field="team_bib", line=7)) == "7 行目の team_bib：空です。"

    def test_the_refusal_carries_the_problems_and_says_them_one_a_line(self):
        refusal = InputProblems([Problem("required; it is empty.", field="team_bib", line=2), "no rows."])
        assert refusal.problems == [
            Problem("required; it is empty.", field="team_bib", line=2),
            Problem("no rows."),
        ]
        assert str(refusal) == "line 2, team_bib: required; it is empty.\nno rows."


class ReasonForm(forms.Form):
    reason = forms.CharField()


class TestOnAForm(SimpleTestCase):
    def test_a_problem_with_a_field_of_the_form_goes_beside_it_in_its_own_words(self):
        form = ReasonForm({"reason": "x"})
        form.is_valid()
        with translation.override("ja"):
            add_to_form(form, [Problem("理由：一文にまとめてください。", field="reason")])
        assert form.errors["reason"] == ["理由：一文にまとめてください。"]
        assert form.non_field_errors() == []

    def test_other_problems_go_above_the_form_whole(self):
        form = ReasonForm({"reason": "x"})
        form.is_valid()
        add_to_form(
            form,
            [
                Problem("is not a team of this race.", field="bib"),
                Problem("this split is already voided."),
                Problem("longer than 300 characters.", field="reason", line=4),
            ],
        )
        assert form.non_field_errors() == [
            "bib: is not a team of this race.",
            "this split is already voided.",
            "line 4, reason: longer than 300 characters.",
        ]
        assert "reason" not in form.errors
