"""A progress bar for the PDF commands, drawn only on a terminal: a script's log gets none."""

from django.core.management.base import OutputWrapper

WIDTH = 30


class TerminalProgress:
    """Called with (done, total) by the render functions; redraws one line in place."""

    def __init__(self, stream: OutputWrapper, label: str):
        self.stream = stream
        self.label = label
        self.shown = -1
        self.enabled = stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        percent = done * 100 // max(total, 1)
        if percent == self.shown:
            return
        self.shown = percent
        filled = WIDTH * percent // 100
        bar = "#" * filled + "-" * (WIDTH - filled)
        self.stream.write(f"\r{self.label} [{bar}] {percent:3d}%", ending="")
        self.stream.flush()

    def finish(self) -> None:
        if self.enabled and self.shown >= 0:
            self.stream.write("")  # end the bar's line
