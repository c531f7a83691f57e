"""Printable results: pure render functions, the typed results in, PDF bytes out.

Nothing here touches the database or the clock: the caller hands in the race as printed
(`PrintedRace`), the typed results of `results.standings.selectors.standings_for_race` and, for the
book, the moment it is made. The same functions serve the Celery tasks, the commands and
the public team certificate.
"""
