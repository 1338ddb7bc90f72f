"""A screen shown again draws its last frame with only what changed since drawn again, not the whole screen.

Which screens: the kept forms (screens/kept.py), shown again for each record, and the lists they open from, shown
again each time a form is left or saved (`FrameKeptScreen`).

Why: a kept form (screens/kept.py) shown again must put a whole frame on the terminal, since the list was there.
Textual composes that frame from every widget (64 on the incident form): each one's lines, cut at every widget
edge on each line and joined again. That is ~7 ms with every widget's lines cached and ~13 ms with the refilled
fields, over half of an opening that must not read ahead (bench/city_scale.py, "cold"). Yet the form's last frame is
still right everywhere except where a widget changed since, and Textual tracks exactly those places as dirty
regions: its partial updates keep a terminal right with nothing else. So this compositor keeps the last frame it
made (a full one, then patched by each partial update while the form is shown), and when the form is shown again
it draws only the pieces of the lines that the dirty regions touch, from the frontmost widget there, as a partial
update would, patches them in and hands over the whole frame.

The frame is reused only when it is certain to be the form's content but for those regions: the widget edges on
every line (Textual's cuts: a layout that moved anything changes them) and the look (style sheet, theme, colour
filters, the screen's classes and size) are those the frame was made with, and nothing asked for the whole screen
to be drawn again. Otherwise the frame is composed in full, as Textual does. tests/test_kept_frame.py compares
every frame drawn this way with one composed in full at the same moment.

A list shown again after its form was saved spent ~11 ms of the save's ~20 composing itself in full
(bench/city_scale.py, "save pupil form"); its frame is still right but for the rows that changed.

And while such a screen is shown, each change (a key typed in a field, a list's cursor moving) is drawn the same
way, into the kept frame, and put on the terminal from there: only the frontmost widget draws each changed piece,
where Textual's partial update draws every widget the changed lines cross, containers and screen included.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import Any, TypeVar

from rich.console import RenderableType
from textual import events, on
from textual._compositor import ChopsUpdate, Compositor, LayoutUpdate
from textual._context import visible_screen_stack
from textual.geometry import Region
from textual.message import Message
from textual.screen import Screen
from textual.strip import Strip

ResultT = TypeVar("ResultT")

Frame = list[dict[int, Strip]]
"""Per line of the screen: each piece of the line (from one widget edge to the next) by the column it starts at."""


class KeptFrameCompositor(Compositor):
    """Textual's compositor, keeping its last frame for `show_again`."""

    def __init__(self) -> None:
        super().__init__()
        self._frame: Frame | None = None
        self._frame_cuts: list[list[int]] | None = None
        self._frame_look: tuple[Any, ...] | None = None
        self._again = False
        self.drawn_again = 0
        """Frames drawn from the kept one (tests and the bench look at it)."""
        self.drawn_partly = 0
        """Partial updates drawn into the kept frame and put on the terminal from it (tests look at it)."""

    def show_again(self) -> None:
        """The next update puts the screen back on the terminal: draw it from the kept frame if that can be done,
        else in full, whatever is marked dirty."""
        self._again = True

    def forget_frame(self) -> None:
        """Changes were drawn elsewhere than into the frame: the next showing is composed in full."""
        self._frame = None

    def render_update(self, full: bool = False, screen_stack: list[Any] | None = None,
                      simplify: bool = False) -> RenderableType | None:
        again, self._again = self._again, False
        if again and not full and not simplify:
            visible_screen_stack.set([] if screen_stack is None else screen_stack)
            update = self._update_again()
            if update is not None:
                return update
        # shown again without its frame: the whole screen, as Textual would have drawn it (the screen gave up its
        # own request for that, `show_again`'s caller)
        return super().render_update(full or again, screen_stack, simplify)

    def render_full_update(self, simplify: bool = False) -> LayoutUpdate:
        if simplify:  # a screenshot: the pieces are joined and simplified, and no frame is kept from it
            self._frame = None
            return super().render_full_update(simplify=True)
        region = self.size.region
        self._dirty_regions.clear()
        chops = self._render_chops(region, lambda y: True)
        self._keep(chops)
        return LayoutUpdate([list(line.values()) for line in chops], region)

    def render_partial_update(self) -> Any:
        """What changed while the screen is shown, drawn into the kept frame (`_draw_pieces`) and put on the
        terminal from it: each changed piece of a line is drawn by the one widget in front there. Textual draws
        every widget the changed lines cross (the screen, each container, the widget), ~0.3 ms each: a list's
        cursor moving one row crossed ~11 widgets, 3.5–7 ms a key at city scale; a field typed into, ~6."""
        frame = self._frame
        if frame is None or self.cuts != self._frame_cuts or self._look() != self._frame_look:
            self._frame = None  # a layout moved an edge, or the look changed: the next showing is composed in full
            return super().render_partial_update()
        self._take_pending()
        dirty = self._dirty_regions.copy()
        if not dirty:
            return None
        self._dirty_regions.clear()
        self._draw_pieces(frame, dirty)
        self.drawn_partly += 1
        return ChopsUpdate(frame, list(self._regions_to_spans(dirty)), [cuts[1:] for cuts in self.cuts])

    def _keep(self, chops: Iterable[Mapping[int, Strip | None]]) -> None:
        frame: Frame = []
        for line in chops:
            pieces = {start: piece for start, piece in line.items() if piece is not None}
            if len(pieces) < len(line):  # a piece no widget covers: never seen on a screen, but then keep nothing
                self._frame = None
                return
            frame.append(pieces)
        self._frame, self._frame_cuts, self._frame_look = frame, self.cuts, self._look()

    def _look(self) -> tuple[Any, ...]:
        """What every widget's look depends on beside its own state (changing it restyles without telling us)."""
        screen = self.root
        app = screen.app  # type: ignore[union-attr]
        return (app._css_update_count, app.theme, tuple(app.get_line_filters()), frozenset(screen.classes),  # type: ignore[union-attr]
                self.size)

    def _update_again(self) -> LayoutUpdate | None:
        frame, region = self._frame, self.size.region
        if frame is None or region in self._dirty_regions or self.cuts != self._frame_cuts \
                or self._look() != self._frame_look:
            return None
        self._take_pending()  # the refill's changes, else the frame would show the last record's values
        if region in self._dirty_regions:
            return None
        dirty = self._dirty_regions.copy()
        self._dirty_regions.clear()
        self._draw_pieces(frame, dirty)
        self.drawn_again += 1
        return LayoutUpdate([list(line.values()) for line in frame], region)

    def _take_pending(self) -> None:
        """Widgets that changed have marked what to repaint, but the messages that tell the screen so may still be
        queued (an error shown as a save fails, the fields a refill set): taken from the widgets now, so the frame
        drawn is the screen as it is, and those messages later find nothing left to draw."""
        self.update_widgets({widget for widget in self.visible_widgets if widget._repaint_regions})

    def _draw_pieces(self, frame: Frame, dirty: Iterable[Region]) -> None:
        """Draw again, into `frame`, every piece of a line that a dirty region touches, from the frontmost widget
        there (what `Compositor._render_chops` does for the whole screen). Each widget draws only the lines with
        such pieces in its area, from its line cache but for lines it changed, and the widgets at the back (the
        screen and its containers) are not asked at all once every piece is drawn by one in front."""
        cuts = self.cuts
        wanted: dict[int, set[int]] = {}
        for y, x1, x2 in self._regions_to_spans(dirty):
            wanted.setdefault(y, set()).update(_pieces_touched(cuts[y], x1, x2))
        left = sum(len(starts) for starts in wanted.values())
        for widget, (region, clip) in self.visible_widgets.items():  # front to back
            if not left:
                break
            area = region.intersection(clip)
            x1, x2 = area.x, area.right
            lines = [y for y in area.line_range if any(x1 <= start < x2 for start in wanted.get(y, ()))]
            if not lines:
                continue
            top, bottom = lines[0], lines[-1] + 1
            strips = widget.render_lines(Region(x1 - region.x, top - region.y, area.width, bottom - top))
            for y, strip in zip(range(top, bottom), strips, strict=False):
                starts = wanted.get(y)
                if not starts:
                    continue
                line_cuts = [cut for cut in cuts[y] if x1 <= cut <= x2]
                for start, piece in zip(line_cuts, strip.divide([cut - x1 for cut in line_cuts[1:]]), strict=False):
                    if start in starts:
                        frame[y][start] = piece
                        starts.discard(start)
                        left -= 1


class FrameKeptScreen(Screen[ResultT]):
    """A screen covered and shown again and again (a list under the forms it opens, a kept form under its list):
    shown again from its last frame, and not restyled on the way back when nothing its styles depend on changed.

    Textual restyles every widget of a screen each time it is shown again; this one was styled for the app's
    current CSS (a theme change bumps Textual's CSS count, and the restyle then runs as usual). Focus, hover and
    class changes restyle their own widgets as they happen."""

    _styled_for_css: int | None = None
    _repaint_before_cover = True
    """Was a repaint of the whole screen wanted when it was last covered (`post_message`)?"""

    def __init__(self, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name, id, classes)
        self._compositor: KeptFrameCompositor = KeptFrameCompositor()  # shown again from its last frame

    def post_message(self, message: Message) -> bool:
        if isinstance(message, events.ScreenSuspend):
            # `App.push_screen` asks the screen it covers for a repaint of the whole of it right after this (one
            # that only a see-through screen on top would show): wanted before, it is for a real change.
            self._repaint_before_cover = self._repaint_required
        return super().post_message(message)

    @on(events.Mount)
    def _styled_when_mounted(self) -> None:
        self._styled_for_css = self.app._css_update_count  # mounting styled every widget

    def _on_screen_resume(self, event: events.ScreenResume) -> None:
        css = self.app._css_update_count
        if event.refresh_styles and self._styled_for_css == css:
            event.refresh_styles = False
        self._styled_for_css = css
        self.call_next(self._draw_once)

    def _draw_once(self) -> None:
        """Shown again (a kept form after a refill, a list after its form): draw the whole screen in one go.
        Textual would lay out the screen and draw the parts that moved (a partial draw, which over a whole form
        costs more than a full one), then draw all of it again for the resume; the officer sees the screen
        complete only after the second. Marking the screen itself dirty instead of asking for a repaint makes the
        layout's draw the full one, and the only one (or, with no layout needed, the repaint's).

        And it is drawn now, not at the screen's next update tick: the update timer ticks on a grid of frames
        (1/60 s) and a timer paused mid-frame, as an off-screen layout pauses it, waits up to two frames to tick
        again (~17–33 ms that the first opening of a prepared form spent idle, bench/city_scale.py)."""
        if self._repaint_required and self.is_current:
            self._forget_repaints_below()
            self._on_timer_update()

    def _on_timer_update(self) -> None:
        """A repaint of the whole screen asked for while it is shown is drawn from the kept frame too: the resume's
        own (above), and the one `App.pop_screen` asks of the screen it goes back to, after the resume has drawn it
        (`App._replace_screen`), which composed Records or the incident log in full once more each time a form was
        left or saved (~5–10 ms at city scale, just as the officer's next key comes)."""
        if self._repaint_required and self.is_current and not self.app._batch_count:
            self._repaint_required = False
            if self.styles.background.a == 1:  # opaque: nothing of the screens below shows through
                # The last frame stands but where widgets changed since, unless the screen's look changed, which
                # the compositor checks (and composes the whole frame if so).
                self._exchange_repaint_regions()
                self._compositor.show_again()
            self._dirty_widgets.add(self)
        super()._on_timer_update()

    def _compositor_refresh(self) -> None:
        if self is not self.app.screen and self._compositor._dirty_regions:
            # Covered by another screen, Textual hands what changed here to that screen to draw (this one shows
            # through it) and forgets it: this screen's frame would no longer be right.
            self._compositor.forget_frame()
        super()._compositor_refresh()

    def _forget_repaints_below(self) -> None:
        """Textual counts the screen under the top one as visible (for see-through screens), so a repaint still
        pending on the list (its cursor moved just before Enter) was passed up to this opaque screen and drew it
        in full a second time, ~10 ms just as the officer starts typing. The list keeps its changes for its next
        showing instead: drawn over its frame if it keeps one, else in a full draw then."""
        if self.styles.background.a < 1:
            return
        for below in self.app._background_screens:
            if isinstance(below, FrameKeptScreen):
                # Its changed widgets keep their regions to repaint for its next showing, from its frame; unless
                # all of it was to be drawn again for a change in it, or changes were already taken from them.
                if (below._repaint_required and below._repaint_before_cover) or below._compositor._dirty_regions:
                    below._compositor.forget_frame()
                below._repaint_before_cover = True  # the push's repaint is let go once: any later one counts
            below._compositor._dirty_regions.clear()
            below._dirty_widgets.clear()
            below._repaint_required = False


def _pieces_touched(line_cuts: list[int], x1: int, x2: int) -> list[int]:
    """The pieces of a line (by the column each starts at) that the span from `x1` to `x2` touches. Every widget
    covering such a piece overlaps the span, which is why drawing the widgets that overlap it draws the piece right."""
    return [start for start, end in pairwise(line_cuts) if start < x2 and end > x1]
