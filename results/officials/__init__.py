"""Race-day pages for officials: everything under /officials/ needs a login.

Who may open which page: docs/race-day.md, "During the race".
"""
