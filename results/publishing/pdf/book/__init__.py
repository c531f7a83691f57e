"""The results book (package), as a federation prints one: a cover, a section per category, the overall
list and the leg honours (区間賞, 区間新).

Input is the typed results (`standings_for_race`), whose teams are already in the order the
standings rules list them: finishers by place, then the teams still out or out of the race. Each
section lists them in headed groups: finishers, teams not finished, teams that did not start,
disqualified teams. A leg's cell gives the runner, the leg time with its place in the category
and of all teams, and the team's time and place at the relay station where the leg ends.
"""

from results.publishing.pdf.book.document import results_book, state_label

__all__ = ["results_book", "state_label"]
