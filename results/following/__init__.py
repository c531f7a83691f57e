"""Following a team: a family's browser (Web Push) or e-mail address hears of each station the
team passes and of its finish, in the language it chose, with no account
(docs/decisions/follow-a-team.md)."""
