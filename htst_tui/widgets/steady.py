"""Input and Select for kept forms: a new value never makes Textual lay out the whole screen again.

A kept form (screens/kept.py) is refilled with another record at each opening. Textual re-lays out the whole
screen (every widget's box, then a full redraw: ~10 ms on a form, a third of an opening's budget) whenever one
widget asks, and two stock widgets ask for a value change that cannot change any size:

- `Input` is a scroll view whose virtual size is its text's width; a layout is requested whenever that changes,
  i.e. for almost every new value, although the box of a fixed-size input stays the same;
- `Select` shows its choice in a label of automatic height; a layout is requested at each new choice in case
  the label now wraps onto more lines.

`SteadyInput` scrolls its text as `Input` does but asks for no layout; `SteadySelect` shows its choice on one
line (cut short with an ellipsis, as a terminal select does), so a new choice is only a repaint. And `Static.update`
asks for a layout at every new text, in case it wraps differently: `show_text` asks only when the number of lines
changes. `SteadyTextArea` works out its theme's styles only when its styles changed, not at every draw.
tests/test_steady_widgets.py checks they behave as the stock widgets and that a refill lays nothing out.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.geometry import Region, Size
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widgets import Input, Select, Static, TextArea
from textual.widgets._select import SelectCurrent
from textual.widgets.input import Selection


class SteadyInput(Input):
    """An `Input` of fixed size whose value changes repaint it without laying out the screen, and repaint only
    its line of text: not its border, which no value, cursor or suggestion changes. A stock `Input` draws all of
    its lines again (three with its border) for each new value, cursor move and blink; a refilled incident form
    drew ~20 border lines that had not changed (bench/city_scale.py). A change of style (focus, an invalid value)
    still repaints the whole input."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=False)
    value: Reactive[str] = Reactive("", init=False, repaint=False)
    selection: Reactive[Selection] = Reactive(Selection.cursor(0), repaint=False)
    _suggestion: Reactive[str] = Reactive("", repaint=False)
    _cursor_visible: Reactive[bool] = Reactive(True, repaint=False)

    def _repaint_text(self) -> None:
        if self.is_mounted:
            self.refresh(self.content_size.region)  # content coordinates: the line of text, not the border

    def watch_value(self) -> None:
        self._repaint_text()

    def watch_selection(self) -> None:
        self._repaint_text()

    def watch__suggestion(self) -> None:
        self._repaint_text()

    def watch__cursor_visible(self) -> None:
        self._repaint_text()

    def show_value(self, value: str, *, judge: bool = True) -> None:
        """Show a stored value (a record or draft put into the form), cursor at its end. The suggester is not
        asked to complete it: it completes what the officer types, and the route code's asks the database.
        `judge` False: the validators are not run now either (a form that judges every field once all of its
        values are in, since a field's check may read the others)."""
        suggester, self.suggester = self.suggester, None
        validate_on, self.validate_on = self.validate_on, (self.validate_on if judge else set())
        try:
            self.value = value
        finally:
            self.suggester, self.validate_on = suggester, validate_on
        self.cursor_position = len(value)

    def watch_virtual_size(self, size: Size) -> None:
        # What the layout would have done for this widget alone: keep the scroll within the new text.
        if self.styles.auto_dimensions:
            self.refresh(layout=True)
        elif self.is_mounted:
            self._scroll_update(size)
            self._repaint_text()


class _OneLineLabel(Static):
    """The choice shown on one line: its size cannot depend on the text, so an update is only a repaint."""

    def __init__(self, content: Any, *, id: str) -> None:
        super().__init__(content, id=id)
        # inline, so that Select's own `Static#label { height: auto }` cannot win
        self.styles.height = 1
        self.styles.text_wrap = "nowrap"
        self.styles.text_overflow = "ellipsis"

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(content, layout=False)


class _SteadyCurrent(SelectCurrent):
    def compose(self) -> ComposeResult:
        for widget in super().compose():
            yield _OneLineLabel(self.placeholder, id="label") if widget.id == "label" else widget


class SteadySelect(Select[Any]):
    """A `Select` whose current choice is shown on one line, so choosing (or refilling) repaints only it. Its
    border title (a field's label, set before it is mounted) is shown on the bordered box of the choice."""

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if type(widget) is SelectCurrent:
                widget = _SteadyCurrent(self.prompt)
                widget.border_title = self.border_title
            yield widget


def show_text(widget: Static, text: str) -> None:
    """Show `text` in `widget` (a status or message line of a kept form), asking for a layout only if its box can
    change: its height follows its text and the new text takes another number of lines at its width."""
    if widget.content == text:
        return
    styles = widget.styles
    width = widget.content_region.width
    if not widget.is_mounted or not width or (styles.width is not None and styles.width.is_auto):
        widget.update(text)  # not laid out yet, or its width follows its text: Textual must measure it
        return
    if styles.height is None or not styles.height.is_auto:
        widget.update(text, layout=False)  # its height does not follow its text: nothing to measure
        return
    before = widget.get_content_height(widget.container_size, widget.screen.size, width)
    widget.update(text, layout=False)
    if widget.get_content_height(widget.container_size, widget.screen.size, width) != before:
        widget.refresh(layout=True)


class SteadyTextArea(TextArea):
    """A `TextArea` that works out its theme's fallback styles again only when they can have changed.

    A stock `TextArea` does it at every draw (its base style and six component styles, a cache of which every
    refresh clears): ~1.5 ms of each draw of a changed text area, profiled on refilled incident forms, which
    draw two or three. Those styles follow its CSS (restyled by Textual: `notify_style_update`, for a change of
    style sheet, theme, focus or classes), its theme (a new theme object) and its base style (the ancestors'
    backgrounds under it), so they are worked out again when any of those is not what it was last time."""

    _styled_for: tuple[object, object] | None = None

    def notify_style_update(self) -> None:
        self._styled_for = None
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        styled_for = (self._theme, self.rich_style)
        if styled_for[0] is not None and styled_for == self._styled_for:
            return super(TextArea, self).render_lines(crop)  # as TextArea's, less its theme's restyle
        self._styled_for = styled_for
        return super().render_lines(crop)
