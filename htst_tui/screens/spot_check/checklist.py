"""The per-vehicle checklist: one row per item per crew member, then the vehicle's items.

Answered with single keys (y pass, n fail, s not seen, - not applicable); the cursor moves on by itself to
the next unanswered item, so a whole vehicle is a run of keys with no navigation. The widget only shows and
moves; the screen saves each answer the moment it is given (see `Answered`).
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from htst_tui.domain import spot_checks as sc

ANSWER_STYLES = {sc.Answer.passed: "green", sc.Answer.failed: "bold red", sc.Answer.not_seen: "yellow",
                 sc.Answer.not_applicable: "dim"}


@dataclass(frozen=True)
class Row:
    slot: int | None
    """Crew member index, or None for a vehicle item."""
    item: sc.CheckItem


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row]


class ChecklistView(Widget, can_focus=True):
    DEFAULT_CSS = """
    ChecklistView { height: auto; padding: 0 1; border: round $primary-darken-2; }
    ChecklistView:focus { border: round $accent; }
    """

    BINDINGS = [
        Binding("y", "answer('y')", "Pass"),
        Binding("n", "answer('n')", "Fail"),
        Binding("s", "answer('s')", "Not seen"),
        Binding("minus", "answer('-')", "N/A"),
        Binding("backspace", "clear", "Clear", show=False),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
    ]

    class Answered(Message):
        """An answer given (or cleared, `answer` None) on a row: the screen saves it at once."""

        def __init__(self, row: Row, answer: sc.Answer | None) -> None:
            super().__init__()
            self.row = row
            self.answer = answer

    class Completed(Message):
        """Every item has an answer."""

    def __init__(self, id: str | None = None) -> None:
        super().__init__(id=id)
        self.sections: list[Section] = []
        self.answers: dict[tuple[int | None, str], sc.Answer] = {}
        self.cursor = 0

    @property
    def rows(self) -> list[Row]:
        return [r for s in self.sections for r in s.rows]

    @property
    def current(self) -> Row | None:
        rows = self.rows
        return rows[self.cursor] if rows else None

    def load(self, sections: list[Section], answers: dict[tuple[int | None, str], sc.Answer], *,
             to_first_open: bool = True) -> None:
        """Show a check; the cursor goes to the first unanswered item (resume where the officer was)."""
        self.sections = sections
        self.answers = dict(answers)
        if to_first_open:
            self.cursor = self._next_open(-1)
        self.cursor = min(self.cursor, max(0, len(self.rows) - 1))
        self.refresh(layout=True)

    def _next_open(self, after: int) -> int:
        rows = self.rows
        for i in [*range(after + 1, len(rows)), *range(0, after + 1)]:
            if (rows[i].slot, rows[i].item.code) not in self.answers:
                return i
        return max(0, min(after, len(rows) - 1))

    @property
    def complete(self) -> bool:
        return all((r.slot, r.item.code) in self.answers for r in self.rows)

    def action_answer(self, key: str) -> None:
        row = self.current
        if row is None:
            return
        answer = sc.ANSWER_KEYS[key]
        self.answers[(row.slot, row.item.code)] = answer
        self.post_message(self.Answered(row, answer))
        if self.complete:
            self.post_message(self.Completed())
        else:
            self.cursor = self._next_open(self.cursor)
        self.refresh(layout=True)

    def action_clear(self) -> None:
        row = self.current
        if row is None or (row.slot, row.item.code) not in self.answers:
            return
        del self.answers[(row.slot, row.item.code)]
        self.post_message(self.Answered(row, None))
        self.refresh(layout=True)

    def action_move(self, step: int) -> None:
        if self.rows:
            self.cursor = max(0, min(len(self.rows) - 1, self.cursor + step))
            self.refresh(layout=True)

    def render(self) -> Text:
        out = Text()
        index = 0
        for section in self.sections:
            out.append(f"{section.title}\n", style="bold")
            for row in section.rows:
                answer = self.answers.get((row.slot, row.item.code))
                mark = "▶ " if index == self.cursor and self.has_focus else "  "
                label = f"{row.item.label}{' *' if row.item.critical else ''}"
                line = Text(f"{mark}{label:<36}", style="reverse" if index == self.cursor else "")
                line.append(sc.ANSWER_LABELS[answer] if answer else "·", style=ANSWER_STYLES.get(answer, "dim")
                            if answer else "dim")
                out.append_text(line)
                out.append("\n")
                index += 1
        out.rstrip()
        return out
