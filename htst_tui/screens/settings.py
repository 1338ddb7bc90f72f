"""Settings: the officer's profile, the theme, and the service's own numbers, checked by the Settings model.

Each section of `settings.Settings` is a `ModelForm` built from its pydantic model, so a field a feature
adds to its section shows up here, checked as it is typed; ctrl+s validates everything and writes
config.toml (0600).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label, Select, Static

from htst_tui.domain.common import friendly_errors
from htst_tui.settings import Settings, save_settings
from htst_tui.widgets.model_form import ModelForm, field_specs, to_raw

SECTIONS: list[tuple[str, str]] = [
    ("profile", "Your profile"),
    ("sync", "Sync"),
    ("panel", "Transport Panel"),
    ("incidents", "Incidents and route returns"),
    ("spot_checks", "Spot checks"),
    ("reports", "Reports"),
    ("retention", "Retention"),
    ("security", "Security"),
]
HIDDEN = {"spot_checks": ("extra_items",), "security": ("passphrase_hash",)}
"""Fields edited elsewhere (the checklist editor, the passphrase modal: ctrl+l), not as a line of text here."""
LABELS = {"officer_name": "Your name", "officer_role": "Your role"}


class SettingsScreen(Screen[None]):
    HELP_TOPIC = "settings"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("ctrl+l", "app.change_passphrase", "Unlock passphrase"),
        Binding("escape", "home", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, ModelForm] = {}

    @property
    def settings(self) -> Settings:
        return self.app.ctx.settings  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Header()
        current = self.settings
        with VerticalScroll(id="settings-body"):
            yield Static("", id="settings-error", classes="form-error")
            for name, title in SECTIONS:
                section: BaseModel = getattr(current, name)
                specs = field_specs(type(section), exclude=HIDDEN.get(name, ()), labels=LABELS)
                values = {s.name: to_raw(s, getattr(section, s.name)) for s in specs}
                yield Label(title, classes="section-title")
                form = ModelForm(type(section), specs, values, drop_blank=False, id=f"settings-{name}")
                self.forms[name] = form
                yield form
                if name == "security":
                    yield Static("Unlock passphrase: ctrl+l changes it (current one, then the new one twice).",
                                 id="settings-passphrase-hint")
                if name == "profile":
                    yield Label("Theme", classes="field-label")
                    themes = sorted(self.app.available_themes)
                    yield Select([(t, t) for t in themes], value=self.app.theme, allow_blank=False, id="theme")
        yield Footer()

    def on_mount(self) -> None:
        self.forms["profile"].editor("officer_name").focus()

    @on(Select.Changed, "#theme")
    def _theme_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.app.theme:
            self.app.theme = event.value  # the app remembers it in config.toml

    def collect(self) -> tuple[Settings | None, dict[str, dict[str, str]]]:
        """The edited settings, or the problems per section."""
        data: dict[str, Any] = self.settings.model_dump(mode="json")
        data["ui"]["theme"] = self.app.theme
        errors: dict[str, dict[str, str]] = {}
        for name, form in self.forms.items():
            raw = form.raw_data()
            data[name].update(raw)
            try:
                form.model.model_validate(data[name])
            except ValidationError as exc:
                errors[name] = friendly_errors(exc)
        if not str(data["profile"]["officer_name"]).strip():
            errors.setdefault("profile", {})["officer_name"] = "is required: it is stamped on every record you save"
        if errors:
            return None, errors
        return Settings.model_validate(data), {}

    def action_save(self) -> None:
        updated, errors = self.collect()
        for name, form in self.forms.items():
            form.show_errors(errors.get(name, {}))
        if updated is None:
            first = next(iter(errors))
            self.query_one("#settings-error", Static).update("Not saved: please check the fields marked in red.")
            target = self.forms[first].first_error_field(errors[first])
            if target is not None:
                target.focus()
            return
        self.query_one("#settings-error", Static).update("")
        try:
            save_settings(updated)
        except OSError as exc:
            self.notify(f"Settings not saved: {exc}", severity="error")
            return
        self.app.apply_settings(updated)  # type: ignore[attr-defined]
        self.notify("Settings saved.")

    def action_home(self) -> None:
        self.app.open_screen("home")  # type: ignore[attr-defined]
