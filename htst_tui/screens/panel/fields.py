"""The case form's fields as data: one list drives building the widgets, reading them, filling them, and the
draft, so a field added here appears everywhere at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from textual.validation import Integer, Number, ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select, SelectionList, TextArea

from htst_tui.widgets.steady import SteadyTextArea

Kind = Literal["text", "date", "miles", "int", "bool", "list", "area", "select", "multi"]


class IsoDate(Validator):
    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success()
        try:
            dt.date.fromisoformat(value.strip())
        except ValueError:
            return self.failure("must be a date like 2026-09-01")
        return self.success()


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: Kind = "text"
    options: tuple[tuple[str, str], ...] = ()
    """(label, value) for select and multi fields."""

    @property
    def widget_id(self) -> str:
        return f"f-{self.name}"

    def build(self) -> Widget:
        wid = self.widget_id
        if self.kind == "bool":
            return Checkbox(self.label, id=wid)
        if self.kind == "area":
            return SteadyTextArea(id=wid, tab_behavior="focus", classes="area")
        if self.kind == "select":
            return Select(list(self.options), id=wid, prompt=f"{self.label}…")
        if self.kind == "multi":
            return SelectionList[str](*[(label, value) for label, value in self.options], id=wid)
        validators: list[Validator] = []
        if self.kind == "date":
            validators = [IsoDate()]
        elif self.kind == "miles":
            validators = [Number(minimum=0, maximum=200, failure_description="must be miles, like 2.5")]
        elif self.kind == "int":
            validators = [Integer(minimum=0, failure_description="must be a whole number")]
        placeholder = "YYYY-MM-DD" if self.kind == "date" else ""
        return Input(id=wid, placeholder=placeholder, validators=validators, valid_empty=True)

    def read(self, widget: Widget) -> Any:
        if isinstance(widget, Checkbox):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        if isinstance(widget, Select):
            return "" if widget.value is Select.NULL else str(widget.value)
        if isinstance(widget, SelectionList):
            return [str(v) for v in widget.selected]
        assert isinstance(widget, Input)
        if self.kind == "list":
            return [part.strip() for part in widget.value.split(";") if part.strip()]
        return widget.value

    def fill(self, widget: Widget, value: Any) -> None:
        if isinstance(widget, Checkbox):
            widget.value = bool(value)
        elif isinstance(widget, TextArea):
            widget.text = value or ""
        elif isinstance(widget, Select):
            widget.value = value if value else Select.NULL
        elif isinstance(widget, SelectionList):
            widget.deselect_all()
            for v in value or []:
                widget.select(v)
        elif isinstance(widget, Input):
            if self.kind == "list":
                widget.value = "; ".join(value or [])
            elif isinstance(value, float):
                widget.value = f"{value:g}"
            else:
                widget.value = "" if value is None else str(value)
