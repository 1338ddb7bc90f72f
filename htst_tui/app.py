"""The Textual app: Home first, the database opened behind it, every screen one key or palette entry away.

Conventions every screen relies on:
- `self.app.ctx` is the open `ServiceContext` (services only; never SQL in a screen).
- `self.app.open_screen(name)` switches to a screen listed in `screens/registry.py`.

Start-up speed: the first frame is drawn before the data layer is imported. This module and the Home screen
import only Textual and light modules; settings (pydantic), the database (SQLAlchemy, Alembic) and the
services load in a thread worker after mount, while Home says "Opening database…". `bench/startup.py`
measures it against a bare Textual app.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import tomllib
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from htst_tui.errors import HtstError
from htst_tui.gc_pacing import GcPacer
from htst_tui.screens.home import HomeScreen
from htst_tui.screens.registry import BY_NAME, SCREENS
from htst_tui.widgets.save_lock import holds_key

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.theme import Theme

    from htst_tui.services.context import ServiceContext
    from htst_tui.settings import Settings


def _palette_provider() -> type[Provider]:
    """Imported when the palette first opens, not at start-up."""
    from htst_tui.palette import HtstCommands

    return HtstCommands


def _peek_theme() -> str | None:
    """The saved theme, read with the standard library only so the first frame already wears it.

    The file is validated properly (pydantic) in the worker; a broken file is reported there.
    """
    from htst_tui.paths import config_file

    try:
        data = tomllib.loads(config_file().read_text(encoding="utf-8"))
        theme = data.get("ui", {}).get("theme")
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError, AttributeError):
        return None
    return theme if isinstance(theme, str) else None


class HtstApp(App[None]):
    TITLE = "HTST Desk"
    CSS_PATH = Path(__file__).with_name("app.tcss")
    """Absolute, so subclasses in other folders (bench, tests) find it."""
    COMMANDS = App.COMMANDS | {_palette_provider}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", key_display="F1/?"),
        *[Binding(s.key, f"open_screen('{s.name}')", s.title) for s in SCREENS if s.key],
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]
    SYNC_STATUS_SECONDS = 20.0
    NAVIGATION_ACTIONS = ("open_screen",)
    """Actions that need the database; hidden and refused while it is not open."""

    IDLE_CHECK_SECONDS = 15.0
    """How often the idle lock looks at the clock (the lock engages at most this late)."""
    GC_TICK_SECONDS = 0.1
    """How often the garbage collector's pacing looks for a pause in the typing (gc_pacing.py). Often, since a
    full pass that has fallen due waits for the next tick between keys: a tick that finds nothing to do only
    reads the collector's counts."""
    SWITCH_INTERVAL = 0.001
    """Seconds a worker thread may keep Python's interpreter lock while the event loop waits for it (Python's
    default is 0.005). Lists fetch pages, forms read ahead and sync runs in threads; each time a key woke the loop
    while one ran, the key waited up to 5 ms, several times over: the incident form opened just after a save
    (its list fetching the page again) had a p95 of 32–39 ms with 5 ms and 22–26 ms with 1 or 0.5 ms
    (bench/city_scale.py). A thread gives the lock up only when another waits, so idle work loses nothing."""

    def __init__(self, db_path: Path | None = None, *, ctx: ServiceContext | None = None,
                 settings: Settings | None = None, clock: Callable[[], dt.date] | None = None,
                 idle_clock: Callable[[], float] | None = None) -> None:
        """`ctx` given: use it as is (tests, embedding). Otherwise open `db_path` (or the default) after the
        first frame, with `settings` or those in config.toml; `clock` gives "today" for what is due;
        `idle_clock` gives seconds (monotonic) for the idle lock, so tests can pass minutes without waiting."""
        super().__init__()
        self._idle_clock = idle_clock or time.monotonic
        self._last_key_at = self._idle_clock()
        self.keys_taken_in = 0
        """Keys (and clicks) the app has taken in so far: a list's cursor has rested on a row only if none came in
        since it got there (widgets/row_table.py), even one still on its way to the list."""
        self.gc_pacer = GcPacer(clock=self._idle_clock)
        self._switch_interval = sys.getswitchinterval()
        """Python's, given back when the app ends (tests run many apps in one process)."""
        self.locked = False
        self.db_path = db_path
        self._ctx = ctx
        self._owns_ctx = ctx is None
        self._settings = settings or (ctx.settings if ctx is not None else None)
        self._clock = clock
        self._sync_status_asked = 0
        """How many header refreshes were asked for: only the newest may show (see refresh_sync_status)."""
        self.problem: HtstError | None = None
        self.crash_file: Path | None = None

    # -- the two conventions ------------------------------------------------------------------------------

    @property
    def ctx(self) -> ServiceContext:
        if self._ctx is None:
            raise RuntimeError("the database is not open yet")
        return self._ctx

    @property
    def has_ctx(self) -> bool:
        return self._ctx is not None

    def open_screen(self, name: str) -> Screen[Any] | None:
        """Show a registry screen on top of Home (one top-level screen at a time); returns it."""
        if self._ctx is None:
            self.notify("The database is not open yet.", severity="warning")
            return None
        while len(self.screen_stack) > 1:
            self.pop_screen()
        if name == "home":
            return self.screen_stack[0]
        screen = BY_NAME[name].load()()
        self.push_screen(screen)
        return screen

    def action_open_screen(self, name: str) -> None:
        self.open_screen(name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.locked:
            return action == "quit"  # nothing may open over (or pop) the lock screen
        return not (action in self.NAVIGATION_ACTIONS and self._ctx is None)

    @property
    def settings(self) -> Settings | None:
        return self._settings

    def today(self) -> dt.date:
        return self._clock() if self._clock else dt.date.today()

    # -- start-up -------------------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        return HomeScreen()

    def on_mount(self) -> None:
        sys.setswitchinterval(self.SWITCH_INTERVAL)
        theme = self._settings.ui.theme if self._settings else _peek_theme()
        if theme and theme in self.available_themes:
            self.theme = theme
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self.set_interval(self.IDLE_CHECK_SECONDS, self.check_idle_lock)
        self.set_interval(self.GC_TICK_SECONDS, self._pace_gc)

    def on_unmount(self) -> None:
        sys.setswitchinterval(self._switch_interval)
        self.gc_pacer.release()

    # -- garbage collection out of the way (gc_pacing.py) ---------------------------------------------------

    def _pace_gc(self) -> None:
        self.gc_pacer.tick(self._idle_clock() - self._last_key_at)

    def settle_after_build(self) -> None:
        """A long-lived piece (a list screen, a kept form) was just built: once it is drawn, collect the garbage
        its building left and freeze what lives on, so later collector passes do not walk it again."""
        self.call_after_refresh(self.gc_pacer.settle)

    # -- idle lock ------------------------------------------------------------------------------------------

    async def on_event(self, event: events.Event) -> None:
        """Every key (or click) the user makes restarts the idle clock. A key meant for a form whose save is
        running is held back (widgets/save_lock.py)."""
        if isinstance(event, (events.Key, events.MouseDown)) and not event.is_forwarded:
            self._last_key_at = self._idle_clock()
            self.keys_taken_in += 1
            if isinstance(event, events.Key) and holds_key(self, event.key):
                return
        await super().on_event(event)

    def check_idle_lock(self) -> None:
        """Lock when `security.idle_lock_minutes` have passed without a key (0: never). Run by a timer."""
        settings = self._settings
        if self.locked or self._ctx is None or settings is None or not settings.security.idle_lock_minutes:
            return
        if self._idle_clock() - self._last_key_at >= settings.security.idle_lock_minutes * 60:
            self.lock_screen()

    def lock_screen(self) -> None:
        """Cover everything with the lock screen; the stack (and any half-typed form) stays underneath."""
        from htst_tui.screens.lock import LockScreen

        if self.locked or self._settings is None:
            return
        self.locked = True
        self.clear_notifications()  # a toast could name a record
        self.refresh_bindings()
        officer = self._ctx.officer if self._ctx is not None else self._settings.profile.officer_name
        self.push_screen(LockScreen(self._settings, officer=officer), self._unlocked)

    def _unlocked(self, _: object = None) -> None:
        self.locked = False
        self._last_key_at = self._idle_clock()
        self.refresh_bindings()

    def on_ready(self) -> None:
        """The first frame is on screen: only now load the data layer, so its imports (which hold the GIL
        for a while) cannot delay that frame."""
        if self._ctx is None and self.problem is None:
            self._open_database()
        elif self._ctx is not None:
            self._start_sync_status()
            self._keep_loaded_out_of_gc()

    def _keep_loaded_out_of_gc(self) -> None:
        """Once the data layer is loaded, what exists now lives as long as the app: out of the cyclic garbage
        collector's view, so its passes do not walk it again and again (gc_pacing.py). Python's thresholds stay:
        a wider young generation (5,000 instead of 700) cut the passes further but raised the app's peak memory
        by ~20 MB, close to its 200 MB goal."""
        self.gc_pacer.freeze_loaded()

    def _start_sync_status(self) -> None:
        self.refresh_sync_status()
        self.set_interval(self.SYNC_STATUS_SECONDS, self.refresh_sync_status)

    @work(thread=True, exclusive=True, group="open-database")
    def _open_database(self) -> None:
        from htst_tui.services.context import open_context
        from htst_tui.settings import load_settings

        try:
            settings = self._settings or load_settings()
            ctx = open_context(self.db_path, settings=settings)
        except HtstError as exc:
            self.call_from_thread(self.show_problem, exc)
            return
        self.call_from_thread(self._database_opened, ctx)

    def _database_opened(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self._settings = ctx.settings
        if ctx.settings.ui.theme in self.available_themes and ctx.settings.ui.theme != self.theme:
            self.theme = ctx.settings.ui.theme
        self._database_ready()
        if not ctx.settings.has_profile:
            from htst_tui.screens.profile import ProfileModal

            self.push_screen(ProfileModal(ctx.settings), self._profile_saved)

    def _database_ready(self) -> None:
        """Home was drawn without data (a context handed in is ready before Home resumes, so Home loads
        itself then); now fill it in."""
        self.refresh_bindings()
        self._start_sync_status()
        self._keep_loaded_out_of_gc()
        home = self.screen_stack[0]
        if isinstance(home, HomeScreen) and home.is_current:
            home.load()

    def refresh_sync_status(self) -> None:
        """Unsynced changes and the last sync, in the header on every screen (DESIGN: shown at all times).

        Not an exclusive worker: cancelling a running thread does not stop it, it only marks it cancelled
        (and fails whoever waits on it). Each refresh is numbered instead, and only the newest one asked
        for may set the header, so a slow older one never overwrites fresher figures."""
        self._sync_status_asked += 1
        self._read_sync_status(self._sync_status_asked)

    @work(thread=True, group="sync-status")
    def _read_sync_status(self, asked: int) -> None:
        from htst_tui.services.dashboard import last_sync
        from htst_tui.services.sync import unsynced_count

        ctx = self._ctx
        if ctx is None:
            return
        try:
            pending, last = unsynced_count(ctx), last_sync(ctx)
        except HtstError:
            return  # a busy database: the next tick tries again
        when = last.replace("T", " ")[:16] + " UTC" if last else "never"
        self.call_from_thread(self._show_sync_status, asked, f"{pending} unsynced · last sync {when}")

    def _show_sync_status(self, asked: int, text: str) -> None:
        if asked == self._sync_status_asked:
            self.sub_title = text

    def _profile_saved(self, settings: Settings | None) -> None:
        if settings is not None:
            self.apply_settings(settings)
            self.notify(f"Welcome, {settings.profile.officer_name}. Your name is stamped on every record you save.")

    def apply_settings(self, settings: Settings) -> None:
        """Saved settings take effect at once: the officer stamped on records, the theme."""
        self._settings = settings
        if self._ctx is not None:
            self._ctx.settings = settings
            if settings.has_profile:
                self._ctx.officer = settings.profile.officer_name.strip()
        if settings.ui.theme in self.available_themes and settings.ui.theme != self.theme:
            self.theme = settings.ui.theme

    def show_problem(self, problem: HtstError) -> None:
        """The database or settings file cannot be used: a full screen that says why and what to do."""
        from htst_tui.screens.db_problem import DbProblemScreen

        self.problem = problem
        self.push_screen(DbProblemScreen(problem))

    # -- theme ----------------------------------------------------------------------------------------------

    def _theme_changed(self, theme: Theme) -> None:
        """A theme picked anywhere (palette or Settings) is remembered in config.toml."""
        settings = self._settings
        if settings is None or settings.ui.theme == theme.name:
            return
        updated = settings.model_copy(deep=True)
        updated.ui.theme = theme.name
        self._settings = updated
        if self._ctx is not None:
            self._ctx.settings = updated
        self._save_settings(updated)

    @work(thread=True, group="settings")
    def _save_settings(self, settings: Settings) -> None:
        from htst_tui.settings import save_settings

        try:
            save_settings(settings)
        except OSError as exc:
            self.call_from_thread(self.notify, f"Could not save settings: {exc}", severity="error")

    # -- help, passphrase, new records ----------------------------------------------------------------------------

    def action_help(self) -> None:
        from htst_tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(self.screen))

    def action_change_passphrase(self) -> None:
        """The Change unlock passphrase modal (palette, Settings); it saves and applies the settings itself."""
        from htst_tui.screens.change_passphrase import ChangePassphraseModal

        if self._ctx is None:
            self.notify("The database is not open yet.", severity="warning")
            return
        if not isinstance(self.screen, ChangePassphraseModal):
            self.push_screen(ChangePassphraseModal(has_current=bool(self._ctx.settings.security.passphrase_hash)))

    def new_record(self, entity_name: str) -> None:
        """Open the Records browser on `entity_name` with a blank form (palette: "New school" …)."""
        screen = self.open_screen("records")
        if screen is not None:
            screen.start_new(entity_name)  # type: ignore[attr-defined]

    # -- crash safety -----------------------------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        """A bug: keep a crash report (owner-only) before Textual shuts down. Drafts are already on disk."""
        try:
            self.crash_file = write_crash_report(error)
        except OSError:
            self.crash_file = None
        super()._handle_exception(error)

    def close_database(self) -> None:
        """Close a database this app opened itself (one handed in as `ctx` belongs to the caller)."""
        if self._ctx is not None and self._owns_ctx:
            self._ctx.close()
            self._ctx = None


def write_crash_report(error: BaseException) -> Path:
    """Write the traceback to the crash folder (0600) and return the file's path."""
    from htst_tui import __version__
    from htst_tui.paths import crash_directory, write_private_file

    now = dt.datetime.now(dt.UTC)
    path = crash_directory() / f"crash-{now:%Y%m%d-%H%M%S}-{os.getpid()}.txt"
    text = (f"HTST Desk {__version__} crashed at {now.isoformat()}\nPython {sys.version.split()[0]}\n\n"
            + "".join(traceback.format_exception(error)))
    write_private_file(path, text.encode("utf-8"))
    return path


def run_app(db_path: Path | None) -> None:
    app = HtstApp(db_path)
    try:
        app.run()
    finally:
        app.close_database()
    if app.crash_file is not None:
        print(f"HTST Desk stopped because of a bug. A report was saved to {app.crash_file}; "
              "your unsaved forms were kept as drafts and will be offered back when you reopen them.",
              file=sys.stderr)
