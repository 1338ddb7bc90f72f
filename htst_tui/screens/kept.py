"""Form screens the app keeps installed and shows again for each record, instead of building one per opening.

Composing and styling a form's 30–60 widgets costs hundreds of ms at every opening (far more than reading the
record); a kept screen is built once per kind and refilled. Each form resets every piece of per-record state
when it is reopened. A kept screen still on a screen stack (e.g. under the lock screen) is never taken over: the
caller builds a fresh, unkept one instead.

A list screen builds the form it opens ahead of time (`prebuild`), once its first page is shown, so even the
first opening is a refill. Textual has no public call that mounts a screen without showing it; `prebuild` uses the
two steps `App.push_screen` itself begins with (tests/test_kept_screens.py checks a prebuilt form looks and behaves
as one built on opening, so a Textual upgrade that changes them is caught).

And when the list's cursor rests on a row, the form is filled with that record ahead of time too (`prepare_kept`),
off screen: Enter then only shows it, unless anything was written since (services/change_mark.py), when it is
filled again as usual. Before that, as soon as the cursor reaches a row, the row and its neighbours are read in a
thread (`read_kept_ahead`, screens/read_ahead.py), so even an Enter pressed at once fills the form without reading.
A form shown again is drawn from its last frame with only what changed drawn again (screens/kept_frame.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual import events, messages, on
from textual.screen import Screen

from htst_tui.errors import HtstError
from htst_tui.screens.kept_frame import FrameKeptScreen
from htst_tui.screens.read_ahead import ReadAhead
from htst_tui.services.change_mark import ChangeMark, change_mark

ResultT = TypeVar("ResultT")


def on_a_stack(app: Any, screen: Screen[Any]) -> bool:
    """Is `screen` on any of the app's screen stacks (shown, or under another screen)?"""
    return any(screen in stack for stack in app._screen_stacks.values())


def free_kept_screen(app: Any, name: str) -> Any:
    """The screen kept as `name` if it is built and not on a screen stack, else None (none kept yet, or it is
    shown, under another screen, or still being built ahead of time)."""
    screen = app.get_screen(name) if app.is_screen_installed(name) else None
    return None if screen is None or not screen.is_mounted or on_a_stack(app, screen) else screen


def keep(app: Any, screen: Screen[Any], name: str) -> None:
    """Install `screen` as `name` unless a screen is already kept under that name (it is then busy)."""
    if not app.is_screen_installed(name):
        app.install_screen(screen, name)


def prebuild(app: Any, name: str, build: Callable[[], KeptScreen[Any]], warm_with: str | None = None) -> bool:
    """Keep `build()` as `name` and compose and mount it now, off the screen stack, as pushing it would, but
    without showing it; then fill it with the record `warm_with` (the list's current row: the likeliest to be
    opened) and draw it to nowhere. Nothing happens if a screen is already kept as `name`. True if one is being
    built."""
    if app.is_screen_installed(name):
        return False
    screen = build()
    screen.warm_with = warm_with
    keep(app, screen, name)
    app._load_screen_css(screen)
    app._get_screen(screen)  # registers and starts it: Compose and Mount run as for a push
    return True


def prepare_kept(app: Any, name: str, record_id: str) -> None:
    """The list's cursor rests on `record_id`: fill the form kept as `name` with it now, if that form is built
    and free (see `KeptScreen.prepare`)."""
    screen = free_kept_screen(app, name)
    if screen is not None:
        screen.prepare(record_id)


def read_kept_ahead(app: Any, name: str, record_ids: list[str]) -> None:
    """The list's cursor reached `record_ids[0]` (the others are beside it): read them for the form kept as
    `name` in a thread, if that form is built and free (see screens/read_ahead.py)."""
    screen = free_kept_screen(app, name)
    if screen is not None and screen.read_ahead is not None:
        screen.read_ahead.want(record_ids)


class KeptScreen(FrameKeptScreen[ResultT]):
    """A form built once and refilled for each record; shown again from its last frame (screens/kept_frame.py)."""

    warm_with: str | None = None
    """Built ahead of time: the record to fill it with once, off screen (see `prebuild`)."""

    refill: Callable[[str | None], None]
    """Each kept screen's own: show `record_id` (None: a blank new record) in the built screen, before it is
    pushed again; raises HtstError if it cannot be read."""

    prepared: tuple[str, ChangeMark] | None = None
    """The record this form was filled with ahead of time, off screen, and the change mark then."""

    _rounds_pending = False
    """A round of the off-screen layout is due after the next refresh (`_lay_out_after_refresh`)."""

    read_ahead: ReadAhead[Any] | None = None
    """Each kept screen's own reads of the rows around the list's cursor, which `refill` takes when still good."""

    def prepare(self, record_id: str) -> None:
        """Fill the form with `record_id` now, off screen, lay it out and draw it to nowhere, while the officer
        reads the row: Enter then only shows it, ~10 ms of reading and filling sooner (bench/city_scale.py). A new
        record is never prepared: its times default to the moment it is opened."""
        if not self.is_mounted or on_a_stack(self.app, self):
            return
        mark = change_mark(self.app.ctx)  # type: ignore[attr-defined]
        if self.prepared == (record_id, mark):
            return
        try:
            self.refill(record_id)
            self.prepared = (record_id, mark)
        except HtstError:  # the row went away: the opening fills it again, and says so
            self.prepared = None
        self._lay_out_after_refresh(6)  # once the new values have asked for what they need

    def take_prepared(self, record_id: str | None) -> bool:
        """Does the form already show `record_id` as it is stored (filled ahead, and nothing written since)? An
        opening uses the answer up: once shown, the form may be edited."""
        prepared, self.prepared = self.prepared, None
        return prepared is not None and record_id == prepared[0] and \
            change_mark(self.app.ctx) == prepared[1]  # type: ignore[attr-defined]

    @on(events.Mount)
    def _settle_when_built(self) -> None:
        """Built once and kept for the app's life: out of the garbage collector's way (gc_pacing.py)."""
        if not on_a_stack(self.app, self):
            self.call_later(self._draw_off_screen)
        self.app.settle_after_build()  # type: ignore[attr-defined]

    def _draw_off_screen(self) -> None:
        """Built ahead of time: fill it with a record, lay it out and draw it once, to nowhere, as its first opening
        would (the first fill turns every field valid, restyling each; the first layouts size every widget, and
        the first draw renders each one's lines into its cache: ~60 ms that a first opening would otherwise add,
        measured by bench/city_scale.py)."""
        if on_a_stack(self.app, self):
            return
        # A screen's update timer, made on first use, waits a whole frame (1/60 s) before its first tick; started
        # now, the wait is over before the screen is shown (the tick pauses it again: the screen is not current).
        self._update_timer.resume()
        if self.warm_with is not None:
            self.prepare(self.warm_with)
        else:
            self._lay_out_off_screen(rounds=6)

    def _lay_out_off_screen(self, rounds: int) -> None:
        """Lay the screen out until it asks for nothing more, then draw it. Textual lays out only the current
        screen, so a layout asked for off screen would wait for the first opening; and one is asked for: the
        first layout gives each widget its size, and a widget's first size asks for another (Header's title a
        round later still). Their requests arrive once each widget has processed its size, hence the rounds."""
        if on_a_stack(self.app, self):
            return
        self._refresh_layout(self.app.size)
        self._layout_required = False
        if rounds > 1:
            self._lay_out_after_refresh(rounds - 1)
        else:
            self._compositor.render_full_update()

    def _lay_out_after_refresh(self, rounds: int) -> None:
        self._rounds_pending = True
        self.call_after_refresh(self._lay_out_again, rounds)

    def _lay_out_again(self, rounds: int) -> None:
        self._rounds_pending = False
        if self._layout_required:
            self._lay_out_off_screen(rounds)
        elif not on_a_stack(self.app, self):
            self._compositor.render_full_update()  # the draw with every widget at its final size

    async def _on_layout(self, message: messages.Layout) -> None:
        """A layout asked for off screen after the rounds above ended (the Header's title is filled late, the sync
        status in the header changes): done off screen too, once the request is in, so the next opening lays
        nothing out. How soon the rounds end depends on how soon the list draws; the requests do not."""
        if not self._rounds_pending and self.is_mounted and not on_a_stack(self.app, self):
            self._lay_out_after_refresh(2)  # a round already due takes this request in
