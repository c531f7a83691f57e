from pathlib import Path
from django.test import TestCase
from races.audit import Actor
from races.models import Race, Runner
from races.services import race_close
from tests.printing import load_mini_ekiden
from tests.commands import run

class Smoke(TestCase):
    def test_it(self):
        race = load_mini_ekiden()
        race_close(race=race, actor=Actor("olivia"))
        Runner.objects.filter(team__race=race, team__bib="115", leg=2).update(name="A"*200)
        race.bump_standings_version()
        out = run("make_certificates", "mini-ekiden", "--output", "/tmp/bk/c.pdf")
        print(out.stdout, out.stderr)
        out = run("make_certificates", "mini-ekiden", "--output", "/tmp/bk/t.pdf", "--team-pages")
        print(out.stdout, out.stderr)
        out = run("export_results", "mini-ekiden", "--format", "pdf", "--output", "/tmp/bk/book.pdf")
        print(out.stdout, out.stderr)
