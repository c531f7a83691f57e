"""What a process remembers between requests (ekiden/memo.py): the standings it last used,
page states and pages for the refresh period, device tokens' stations."""

import time

from ekiden import memo
from ekiden.memo import Memo


class TestMemo:
    def test_keeps_the_most_recently_used(self):
        recent = Memo("recent standings", size=2)
        recent.remember(1, "race 1")
        recent.remember(2, "race 2")
        assert recent.get(1) == "race 1"  # race 1 is now the most recent
        recent.remember(3, "race 3")
        assert (recent.get(1), recent.get(2), recent.get(3)) == ("race 1", None, "race 3")

    def test_forgets_an_entry_after_its_seconds(self):
        states = Memo("page states", size=10)
        states.remember("hand", "5.0", seconds=0.05)
        states.remember("none", None, seconds=10)  # a race that does not exist is remembered too
        assert states.get("hand") == "5.0"
        assert states.get("none", "unknown") is None
        time.sleep(0.06)
        assert states.get("hand", "unknown") == "unknown"

    def test_forget_all_clears_every_memo_at_once(self):
        tokens, pages = Memo("tokens", size=10), Memo("pages", size=10)
        tokens.remember("hash", frozenset({"R1"}))
        pages.remember("digest", {"body": b""})
        memo.forget_all()
        assert (len(tokens), len(pages)) == (0, 0)
