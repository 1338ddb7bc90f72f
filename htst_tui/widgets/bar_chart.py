"""Bar charts drawn with block characters: one line per category, a bar of full blocks, then the figure.

No plotting dependency for a chart this simple, and it reads the same in any terminal. Shared by the spot-check
compliance screen and the Reports screen. A value that is hidden (a suppressed count) is drawn as an empty
bar with its published text, never as a length.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import Static

BAR_WIDTH = 40
LABEL_WIDTH = 28


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


def bar(label: str, value: float | None, *, maximum: float = 1.0, text: str | None = None,
        width: int = BAR_WIDTH) -> str:
    """One line of the chart. `value` is drawn against `maximum` (1.0 for shares); `text` is the figure shown
    after the bar (a share as a percentage when not given)."""
    filled = round(min(max((value or 0) / maximum, 0), 1) * width) if maximum else 0
    shown = percent(value) if text is None else text
    return f"{label[:LABEL_WIDTH]:<{LABEL_WIDTH}} {'█' * filled}{'░' * (width - filled)} {shown:>4}"


class BarChart(Static):
    """A Static that draws `(label, value, text)` rows as bars; counts are scaled to the largest value."""

    def plot(self, rows: Sequence[tuple[str, float | None, str | None]], *, share: bool = False,
             empty: str = "Nothing to draw.") -> None:
        if not rows:
            self.update(empty)
            return
        maximum = 1.0 if share else max((v or 0 for _, v, _ in rows), default=0) or 1.0
        self.update("\n".join(bar(label, value, maximum=maximum, text=text) for label, value, text in rows))
