"""A form built from a pydantic model: one labelled field widget per model field, errors shown beside each.

Record forms and the Settings screen are both "edit a pydantic model", so both are built here from the
model itself: a field added to a model appears in its form, and the form checks a value with the same
model that the service will (the whole model is validated with the form's current values and only this
field's message is kept, so field validators such as "date of birth is in the future" run as you type).

Values in the form are "raw": what widgets hold (strings, True/False, ids, lists of ids), JSON-shaped so a
draft can store them as they are.
"""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pydantic import BaseModel, ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.validation import ValidationResult, Validator
from textual.widget import Widget
from textual.widgets import Input, Label, Select, SelectionList, Static

from htst_tui.domain.common import friendly_errors
from htst_tui.widgets.steady import SteadyInput, SteadySelect, show_text

ACRONYMS = {"urn": "URN", "la": "LA", "dbs": "DBS", "ehcp": "EHCP", "send": "SEND", "pa": "PA", "htst": "HTST"}


def field_label(name: str) -> str:
    """"la_reference" -> "LA reference", "school_ids" -> "Schools", "operator_id" -> "Operator"."""
    plural = name.endswith("_ids")
    base = name.removesuffix("_ids").removesuffix("_id")
    words = [ACRONYMS.get(w, w) for w in base.split("_")]
    text = " ".join(words)
    text = text[0].upper() + text[1:] if text else name
    return f"{text}s" if plural else text


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str
    """text | int | number | date | enum | bool | ref | refs"""
    required: bool
    options: tuple[tuple[str, Any], ...] = ()
    """(label, value) for enum and bool fields."""
    target: str = ""
    """Entity a ref/refs field points at."""
    placeholder: str = ""


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _base_type(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def field_specs(model: type[BaseModel], references: dict[str, str] | None = None,
                *, exclude: Sequence[str] = (), labels: dict[str, str] | None = None) -> list[FieldSpec]:
    """Describe each field of `model` for a form; `references` names the fields that hold record ids."""
    references = references or {}
    labels = labels or {}
    specs: list[FieldSpec] = []
    for name, info in model.model_fields.items():
        if name in exclude:
            continue
        annotation, _optional = _strip_optional(info.annotation)
        annotation = _base_type(annotation)
        required = info.is_required()
        label = labels.get(name) or field_label(name)
        hint = info.description or ""
        origin = typing.get_origin(annotation)
        if name in references:
            kind = "refs" if origin is list else "ref"
            specs.append(FieldSpec(name, label, kind, required, target=references[name]))
        elif isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            options = tuple((str(m.value).replace("_", " "), m.value) for m in annotation)
            specs.append(FieldSpec(name, label, "enum", required, options))
        elif origin is typing.Literal:
            options = tuple((str(v).replace("_", " "), v) for v in typing.get_args(annotation))
            specs.append(FieldSpec(name, label, "enum", required, options))
        elif annotation is bool:
            specs.append(FieldSpec(name, label, "bool", required, (("yes", True), ("no", False))))
        elif annotation is int:
            specs.append(FieldSpec(name, label, "int", required, placeholder=hint or "a whole number"))
        elif annotation is float:
            specs.append(FieldSpec(name, label, "number", required, placeholder=hint or "a number"))
        elif annotation is dt.date:
            specs.append(FieldSpec(name, label, "date", required, placeholder=hint or "YYYY-MM-DD"))
        elif annotation is str:
            specs.append(FieldSpec(name, label, "text", required, placeholder=hint))
        else:
            raise TypeError(f"{model.__name__}.{name}: no form widget for {annotation!r}")
    return specs


def payload(raw: dict[str, Any]) -> dict[str, Any]:
    """What a form submits: blank fields left out, so the model's defaults apply (and "required" is said)."""
    return {k: v for k, v in raw.items() if v is not None and not (isinstance(v, str) and not v.strip())}


def to_raw(spec: FieldSpec, value: Any) -> Any:
    """A stored python value as the form holds it."""
    if spec.kind in ("enum", "bool", "ref"):
        return value.value if isinstance(value, enum.Enum) else value
    if spec.kind == "refs":
        return list(value or [])
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


class FieldCheck(Validator):
    """Runs the model's own check for one field as the user types; the message is the model's, in plain words."""

    def __init__(self, check: Callable[[str], str | None]) -> None:
        super().__init__()
        self.check = check

    def validate(self, value: str) -> ValidationResult:
        problem = self.check(value)
        return self.success() if problem is None else self.failure(problem)


class RefPicker(Static, can_focus=True):
    """A reference to records of a large kind (pupils, routes): Enter opens a searchable picker.

    Holds the chosen id (or ids, for a list field); Delete clears the last one. The screen answers
    `PickRequested` with a picker modal, because only screens may call services.
    """

    DEFAULT_CSS = """
    RefPicker { border: tall $surface-lighten-1; padding: 0 1; height: 3; }
    RefPicker:focus { border: tall $accent; }
    """
    BINDINGS = [
        Binding("enter,space", "pick", "Pick"),
        Binding("delete,backspace", "clear", "Clear"),
    ]

    class PickRequested(Message):
        def __init__(self, picker: RefPicker) -> None:
            super().__init__()
            self.picker = picker

    class Changed(Message):
        def __init__(self, picker: RefPicker) -> None:
            super().__init__()
            self.picker = picker

    def __init__(self, spec: FieldSpec, *, id: str | None = None) -> None:
        super().__init__("", id=id, classes="ref-picker")
        self.spec = spec
        self.multiple = spec.kind == "refs"
        self.ids: list[str] = []
        self.titles: dict[str, str] = {}

    def on_mount(self) -> None:
        self._render_value()

    @property
    def value(self) -> Any:
        return list(self.ids) if self.multiple else (self.ids[0] if self.ids else None)

    def set_value(self, value: Any, titles: dict[str, str] | None = None) -> None:
        ids = list(value or []) if self.multiple else ([value] if value else [])
        self.ids = [str(i) for i in ids]
        self.titles.update(titles or {})
        self._render_value()
        self.post_message(self.Changed(self))

    def add(self, record_id: str, title: str) -> None:
        self.titles[record_id] = title
        if self.multiple:
            if record_id not in self.ids:
                self.set_value([*self.ids, record_id])
        else:
            self.set_value(record_id)

    def _render_value(self) -> None:
        shown = ", ".join(self.titles.get(i, i) for i in self.ids) or "(none)"
        self.show_text(f"{shown}   [dim]Enter: pick · Delete: clear[/]")

    def show_text(self, text: str) -> None:
        show_text(self, text)

    def action_pick(self) -> None:
        self.post_message(self.PickRequested(self))

    def action_clear(self) -> None:
        self.set_value(self.ids[:-1] if self.multiple else None)


@dataclass
class FormOptions:
    """What a form needs besides the model: live choices for small reference kinds, titles for big ones."""

    choices: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    """field -> [(title, id)] for reference fields shown as a Select / SelectionList."""
    titles: dict[str, str] = field(default_factory=dict)
    """id -> title for reference ids shown in a RefPicker."""


class ModelForm(Vertical):
    """The field widgets of one pydantic model. Posts `ModelForm.Changed` after any edit."""

    DEFAULT_CSS = """
    ModelForm { height: auto; }
    ModelForm .field-label { margin-top: 1; text-style: bold; }
    ModelForm .field-error { color: $error; height: auto; }
    ModelForm SelectionList { height: auto; max-height: 10; }
    ModelForm .form-error { color: $error; text-style: bold; }
    """

    class Changed(Message):
        def __init__(self, form: ModelForm) -> None:
            super().__init__()
            self.form = form

        @property
        def control(self) -> ModelForm:
            return self.form

    def __init__(self, model: type[BaseModel], specs: list[FieldSpec], values: dict[str, Any] | None = None,
                 options: FormOptions | None = None, *, drop_blank: bool = True, id: str | None = None) -> None:
        """`drop_blank`: leave blank fields out when checking (records: the model's defaults apply); settings
        keep them, because a blank text setting is a value."""
        super().__init__(id=id)
        self.drop_blank = drop_blank
        self.model = model
        self.specs = specs
        self.by_name = {s.name: s for s in specs}
        self.initial = dict(values or {})
        self.options = options or FormOptions()
        self._values_now: dict[str, Any] | None = None
        """While `fill` judges every field: the form's values, read once for all of their checks."""

    def compose(self) -> ComposeResult:
        yield Static("", classes="form-error", id="form-error")
        for spec in self.specs:
            suffix = "" if spec.required else " (optional)"
            yield Label(f"{spec.label}{suffix}", classes="field-label")
            yield self._editor(spec, self.initial.get(spec.name))
            yield Static("", classes="field-error", id=f"error-{spec.name}")

    def _editor(self, spec: FieldSpec, value: Any) -> Widget:
        wid = f"field-{spec.name}"
        if spec.kind in ("enum", "bool"):
            return SteadySelect(spec.options, allow_blank=True, value=_select_value(spec.options, value), id=wid)
        if spec.kind == "ref" and spec.name in self.options.choices:
            choices = self.options.choices[spec.name]
            return SteadySelect(choices, allow_blank=True, value=_select_value(choices, value), id=wid)
        if spec.kind == "refs" and spec.name in self.options.choices:
            chosen = set(value or [])
            return SelectionList(*[(t, i, i in chosen) for t, i in self.options.choices[spec.name]], id=wid)
        if spec.kind in ("ref", "refs"):
            picker = RefPicker(spec, id=wid)
            ids = list(value or []) if spec.kind == "refs" else ([value] if value else [])
            picker.ids = [str(i) for i in ids]
            picker.titles = {i: self.options.titles.get(i, i) for i in picker.ids}
            return picker
        return SteadyInput(value="" if value is None else str(value), placeholder=spec.placeholder, id=wid,
                           validators=[FieldCheck(partial(self.field_error, spec.name))],
                           valid_empty=not spec.required)

    def editor(self, name: str) -> Widget:
        return self.query_one(f"#field-{name}")

    def raw_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for spec in self.specs:
            widget = self.editor(spec.name)
            if isinstance(widget, Input):
                data[spec.name] = widget.value
            elif isinstance(widget, Select):
                data[spec.name] = None if widget.value is Select.NULL else widget.value
            elif isinstance(widget, SelectionList):
                data[spec.name] = list(widget.selected)
            elif isinstance(widget, RefPicker):
                data[spec.name] = widget.value
        return data

    def set_raw(self, data: dict[str, Any], titles: dict[str, str] | None = None) -> None:
        """Put values (a record or a restored draft) into the widgets; unknown choices are left unset."""
        for spec in self.specs:
            if spec.name not in data:
                continue
            value = data[spec.name]
            widget = self.editor(spec.name)
            if isinstance(widget, Input):
                widget.value = "" if value is None else str(value)
            elif isinstance(widget, Select):
                options = spec.options or tuple(self.options.choices.get(spec.name, []))
                widget.value = _select_value(options, value)
            elif isinstance(widget, SelectionList):
                widget.deselect_all()
                for record_id in value or []:
                    widget.select(record_id)
            elif isinstance(widget, RefPicker):
                widget.set_value(value, titles)

    def fill(self, values: dict[str, Any], options: FormOptions) -> None:
        """Show another record (or a blank one: `values` empty) in the same widgets, as if the form had been
        built for it: a reused form costs a few value changes instead of composing and styling every widget.

        No change messages are sent (nothing was edited, so no draft is written), and every field's message
        is worked out again once all the values are in (a field's check reads the others)."""
        self._set_choices(options)
        self.initial = dict(values)
        with self.prevent(Input.Changed, Select.Changed, SelectionList.SelectedChanged, RefPicker.Changed):
            for spec in self.specs:
                value = values.get(spec.name)
                widget = self.editor(spec.name)
                if isinstance(widget, SteadyInput):
                    widget.show_value("" if value is None else str(value), judge=False)  # judged below
                elif isinstance(widget, Select):
                    widget.value = _select_value(spec.options or self.options.choices.get(spec.name, []), value)
                elif isinstance(widget, SelectionList):
                    widget.deselect_all()
                    for record_id in value or []:
                        widget.select(record_id)
                elif isinstance(widget, RefPicker):
                    widget.titles = {}
                    widget.set_value(value, options.titles)
        show_text(self.query_one("#form-error", Static), "")
        self._values_now = self.raw_data()  # every field's check reads the same values: read once
        try:
            for spec in self.specs:
                widget = self.editor(spec.name)
                message = ""
                if isinstance(widget, Input):
                    if widget.value:
                        result = widget.validate(widget.value)
                        if result is not None and result.failure_descriptions:
                            message = f"{spec.label} {result.failure_descriptions[0]}"
                    else:  # an empty box is not judged until it is edited, as in a new form
                        widget.remove_class("-valid", "-invalid")
                self._set_error(spec.name, message)
        finally:
            self._values_now = None

    def _set_choices(self, options: FormOptions) -> None:
        """Drop-downs of small kinds follow their live records (one may have been added since)."""
        for name, choices in options.choices.items():
            if self.options.choices.get(name) == choices or name not in self.by_name:
                continue
            widget = self.editor(name)
            if isinstance(widget, Select):
                widget.set_options(choices)
            elif isinstance(widget, SelectionList):
                widget.clear_options()
                widget.add_options([(t, i) for t, i in choices])
        self.options = options

    def field_error(self, name: str, value: Any) -> str | None:
        """This field's problem with `value`, judged by the whole model with the form's other values."""
        data = dict(self._values_now) if self._values_now is not None else \
            self.raw_data() if self.is_mounted else dict(self.initial)
        data[name] = value
        try:
            self.model.model_validate(payload(data) if self.drop_blank else data)
        except ValidationError as exc:
            return friendly_errors(exc).get(name)
        return None

    def show_errors(self, errors: dict[str, str]) -> None:
        """Errors from a failed save: each beside its field; anything else at the top of the form."""
        general = []
        shown: dict[str, str] = {}
        for name, message in errors.items():
            key = name.split(".")[0]
            if key in self.by_name:
                shown.setdefault(key, f"{self.by_name[key].label} {message}")
            else:
                general.append(message)
        for spec in self.specs:
            self._set_error(spec.name, shown.get(spec.name, ""))
        show_text(self.query_one("#form-error", Static), "\n".join(general))

    def _set_error(self, name: str, text: str) -> None:
        show_text(self.query_one(f"#error-{name}", Static), text)

    def first_error_field(self, errors: dict[str, str]) -> Widget | None:
        for spec in self.specs:
            if spec.name in errors or any(k.startswith(f"{spec.name}.") for k in errors):
                return self.editor(spec.name)
        return None

    @on(Input.Changed)
    def _input_changed(self, event: Input.Changed) -> None:
        event.stop()
        name = (event.input.id or "").removeprefix("field-")
        if name in self.by_name and event.validation_result is not None:
            messages = event.validation_result.failure_descriptions
            label = self.by_name[name].label
            self._set_error(name, f"{label} {messages[0]}" if messages else "")
        self.post_message(self.Changed(self))

    @on(Select.Changed)
    @on(SelectionList.SelectedChanged)
    @on(RefPicker.Changed)
    def _other_changed(self, event: Message) -> None:
        event.stop()
        self.post_message(self.Changed(self))


def _select_value(options: Sequence[tuple[str, Any]], value: Any) -> Any:
    values = [v for _, v in options]
    return value if value in values else Select.NULL
