"""Settings: one validated model, stored in `config.toml` in the user config folder.

Numbers the council sets for itself (training validity, review periods, notice days, report deadlines,
suppression threshold, retention) live here, not in code (domain.md: "belong in dated, editable reference
data or settings"). A bad file is reported by name and key, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from htst_tui.errors import SettingsError
from htst_tui.paths import config_file, write_private_file

OfficerRole = Literal["panel_chair", "field_officer", "service_officer", "manager", "other"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class ProfileSettings(_Section):
    officer_name: str = ""
    """Stamped on every record this officer creates or edits (`updated_by`)."""
    officer_role: OfficerRole = "service_officer"


class UISettings(_Section):
    theme: str = "textual-dark"
    """Any Textual theme name; the command palette's theme picker changes it."""


class SyncSettings(_Section):
    default_target: str = ""
    """A folder path or a postgresql+psycopg:// URL used when `--to` is not given."""
    encrypt_bundles: bool = False
    """Encrypt bundles to the council's public key so a lost stick leaks nothing."""
    public_key_path: str = ""
    """The council's public key file (`htst keygen`): bundles are encrypted to it."""
    private_key_path: str = ""
    """Only on a device trusted with the private key: lets it read others' encrypted bundles. Devices without
    it push encrypted bundles but cannot pull them (sync through PostgreSQL, or give them the key)."""


class PanelSettings(_Section):
    training_valid_months: int = Field(default=24, ge=1, le=120)
    """How long HTST & Education Act law training counts as current."""
    pa_review_months: int = Field(default=6, ge=1, le=24)
    """Review period for awards that include a passenger assistant."""
    time_limited_review_months: int = Field(default=6, ge=1, le=24)
    review_working_days: int = Field(default=20, ge=1, le=60)
    """Stage 1 request window and stage 1 response time (DfE model: 20 working days)."""
    appeal_hearing_working_days: int = Field(default=40, ge=1, le=120)
    appeal_letter_working_days: int = Field(default=5, ge=1, le=30)


class IncidentSettings(_Section):
    report_deadline_hours_critical: int = Field(default=24, ge=1, le=720)
    report_deadline_hours_significant: int = Field(default=72, ge=1, le=720)
    report_deadline_hours_minor: int = Field(default=720, ge=1, le=2160)
    route_return_notice_days: int = Field(default=30, ge=1, le=365)
    """Contractual notice an operator must give before handing a route back."""


class SpotCheckSettings(_Section):
    extra_items: list[str] = Field(
        default_factory=lambda: ["dbs_evidence", "training_card", "cctv_working", "restraints", "plate_visible"]
    )
    """Checklist items asked after badge, hi-vis and knowledge of the children."""
    follow_up_days: int = Field(default=10, ge=1, le=90)
    """Days until a follow-up suggested by a spot check falls due."""

    @field_validator("extra_items")
    @classmethod
    def _known_items(cls, value: list[str]) -> list[str]:
        from htst_tui.domain.spot_checks import checklist

        checklist(value)  # raises ValueError naming the unknown item and the known ones
        return list(dict.fromkeys(value))


class ReportSettings(_Section):
    suppression_threshold: int = Field(default=5, ge=2, le=20)
    """Counts from 1 to threshold-1 are shown as `<threshold` in committee outputs."""


class RetentionSettings(_Section):
    """How long each kind of record is kept before `htst purge` erases it (domain.md §6: Brighton's own periods
    are not public, so these are settings; the defaults are the published examples named on each field).

    The schedule is dated: `effective_from` says since when these periods apply, so a retention audit can
    show which schedule a purge followed (every purge logs it). The rule per record kind is in
    `domain/retention.py` and the README's retention table.
    """

    effective_from: dt.date = dt.date(2024, 9, 1)
    """The day this retention schedule took effect (the council's policy date)."""
    policy_reference: str = Field(default="", max_length=200)
    """The council's retention schedule this follows (name or reference), shown in the purge log."""
    pupils_years_after_leaving: int = Field(default=0, ge=0, le=50)
    """Pupil record: while at school (Devon: applications) and while any kept record refers to the pupil."""
    decisions_years_after_leaving: int = Field(default=1, ge=0, le=50)
    """Panel cases with an award, and every review or appeal: the pupil leaves school + N (Devon: appeals)."""
    refusals_years: int = Field(default=2, ge=0, le=50)
    """Refusals never reviewed or appealed: N years from the decision (Devon: refusals)."""
    meetings_years: int = Field(default=6, ge=0, le=100)
    """Panel meetings and attendance (and cases whose pupil's age is unknown): N years from the meeting."""
    incidents_years: int = Field(default=6, ge=0, le=100)
    """Incidents and their follow-ups: N years from the incident (Limitation Act 1980)."""
    safeguarding_years_after_birth: int = Field(default=50, ge=0, le=120)
    """Safeguarding incidents (or any with the LADO told): the youngest linked child's birth + N (schools'
    child-protection files: DOB + 50)."""
    spot_checks_years: int = Field(default=6, ge=0, le=100)
    """Spot-check visits, vehicle checks and their follow-ups: N years from the check (Manchester: 6 years)."""
    route_returns_years: int = Field(default=6, ge=0, le=100)
    """Route returns and their follow-ups: N years from the date the route was handed back."""
    deleted_records_days: int = Field(default=30, ge=0, le=3650)
    """A record an officer deleted keeps its content this many days (to check a mistaken delete), then is
    erased."""


class SecuritySettings(_Section):
    idle_lock_minutes: int = Field(default=5, ge=0, le=240)
    """Minutes without a key before the screen locks; 0 turns the idle lock off."""
    passphrase_hash: str = ""
    """The officer's unlock passphrase as a salted scrypt hash (services/passphrase.py), never the passphrase."""


class Settings(_Section):
    profile: ProfileSettings = Field(default_factory=ProfileSettings)
    ui: UISettings = Field(default_factory=UISettings)
    sync: SyncSettings = Field(default_factory=SyncSettings)
    panel: PanelSettings = Field(default_factory=PanelSettings)
    incidents: IncidentSettings = Field(default_factory=IncidentSettings)
    spot_checks: SpotCheckSettings = Field(default_factory=SpotCheckSettings)
    reports: ReportSettings = Field(default_factory=ReportSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)

    @property
    def has_profile(self) -> bool:
        return bool(self.profile.officer_name.strip())


def _describe(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        where = ".".join(str(p) for p in e["loc"])
        parts.append(f"{where}: {e['msg']}")
    return "; ".join(parts)


def load_settings(path: Path | None = None) -> Settings:
    path = path or config_file()
    if not path.exists():
        return Settings()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SettingsError(f"{path} is not valid TOML: {exc}. Fix or delete the file.") from exc
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise SettingsError(f"{path}: {_describe(exc)}") from exc


def save_settings(settings: Settings, path: Path | None = None) -> None:
    import tomli_w

    path = path or config_file()
    write_private_file(path, tomli_w.dumps(settings.model_dump(mode="json")).encode("utf-8"))
