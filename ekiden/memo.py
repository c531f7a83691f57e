"""What one process remembers between requests, and how tests make every process forget.

A few answers are needed on nearly every request and change rarely or never: the standings a
page was last drawn from, a race's page state for the refresh period, a page served before, a
device token's stations. Asking the database or Redis each time would cost more than the
request's own work, so each process keeps them in a `Memo`: small (the least recently used
entry goes first), optionally forgotten after some seconds, and safe to share between threads.

Each memo registers itself, so `forget_all()` clears every memo of the process: the tests call
it between tests, as a new test may find a race id of an earlier one.
"""

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

_memos: "weakref.WeakSet[Memo]" = weakref.WeakSet()


class Memo:
    """A bounded least-recently-used memory; `seconds`: how long an entry is good for (None:
    until it is pushed out)."""

    def __init__(self, name: str, *, size: int, seconds: float | None = None):
        self.name = name
        self.size = size
        self.seconds = seconds
        self._entries: OrderedDict[Hashable, tuple[float | None, Any]] = OrderedDict()
        self._lock = threading.Lock()
        _memos.add(self)

    def __repr__(self) -> str:
        return f"<Memo {self.name}: {len(self._entries)} of {self.size}>"

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, default: Any = None) -> Any:
        # No lock on a read: it is on every polled page, and each step is one operation of the
        # C OrderedDict, atomic under the GIL. Writers take the lock, so the size bound holds;
        # an entry pushed out by another thread between the two steps counts as gone.
        entry = self._entries.get(key)
        if entry is None or (entry[0] is not None and entry[0] <= time.monotonic()):
            return default
        try:
            self._entries.move_to_end(key)
        except KeyError:
            return default  # pushed out meanwhile: as if it had not been there
        return entry[1]

    def remember(self, key: Hashable, value: Any, *, seconds: float | None = None) -> Any:
        """Keep `value` under `key` (for `seconds`, or the memo's own) and return it."""
        seconds = self.seconds if seconds is None else seconds
        expires = None if seconds is None else time.monotonic() + seconds
        with self._lock:
            self._entries[key] = (expires, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()


def forget_all() -> None:
    """Clear every memo of this process (the shared cache keeps what it holds)."""
    for memo in list(_memos):
        memo.forget()
