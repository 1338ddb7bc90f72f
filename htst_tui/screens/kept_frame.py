"""A kept form shown again draws its last frame with only what changed since drawn again, not the whole form.

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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import Any

from rich.console import RenderableType
from textual._compositor import Compositor, LayoutUpdate
from textual._context import visible_screen_stack
from textual.geometry import Region
from textual.strip import Strip

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
        update = super().render_partial_update()
        if update is not None and self._frame is not None:
            if self.cuts != self._frame_cuts:
                self._frame = None  # a layout moved an edge: the next showing is composed in full
            else:
                self._take(update.chops, update.spans)
        return update

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

    def _take(self, chops: Sequence[Mapping[int, Strip | None]], spans: list[tuple[int, int, int]]) -> None:
        """Copy into the frame the pieces a partial update drew (those its spans touch; others it left unset)."""
        frame, cuts = self._frame, self.cuts
        assert frame is not None
        for y, x1, x2 in spans:
            drawn = chops[y]
            for start in _pieces_touched(cuts[y], x1, x2):
                piece = drawn.get(start)
                if piece is None:
                    self._frame = None
                    return
                frame[y][start] = piece

    def _update_again(self) -> LayoutUpdate | None:
        frame, region = self._frame, self.size.region
        if frame is None or region in self._dirty_regions or self.cuts != self._frame_cuts \
                or self._look() != self._frame_look:
            return None
        # Widgets changed by the refill have marked what to repaint, but the messages that tell the screen so are
        # still queued: taken from the widgets now, else the frame would show the last record's values.
        self.update_widgets({widget for widget in self.visible_widgets if widget._repaint_regions})
        if region in self._dirty_regions:
            return None
        dirty = self._dirty_regions.copy()
        self._dirty_regions.clear()
        self._draw_pieces(frame, dirty)
        self.drawn_again += 1
        return LayoutUpdate([list(line.values()) for line in frame], region)

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


def _pieces_touched(line_cuts: list[int], x1: int, x2: int) -> list[int]:
    """The pieces of a line (by the column each starts at) that the span from `x1` to `x2` touches. Every widget
    covering such a piece overlaps the span, which is why drawing the widgets that overlap it draws the piece right."""
    return [start for start, end in pairwise(line_cuts) if start < x2 and end > x1]
