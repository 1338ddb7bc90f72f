"""The composition banner: always on screen during a meeting, so a missing SEND or Amaze member, or lapsed
training, is seen by the chair before a decision is made rather than found in the minutes afterwards."""

from __future__ import annotations

from textual.widgets import Static

from htst_tui.domain.panel_rules import AttendanceCheck


class AttendanceBanner(Static):
    DEFAULT_CSS = """
    AttendanceBanner { dock: top; height: auto; padding: 0 1; background: $success-darken-2; color: $text; }
    AttendanceBanner.-gaps { background: $error-darken-2; }
    """

    def show(self, check: AttendanceCheck) -> None:
        send = "present" if check.senior_send_present else "NOT PRESENT"
        amaze = "present" if check.amaze_present else "NOT PRESENT"
        training = "all current" if check.training_ok else f"NOT CURRENT for {', '.join(check.untrained)}"
        self.update(f"Senior SEND member: {send}  ·  Amaze parent-carer worker: {amaze}  ·  "
                    f"Law training of those present: {training}")
        self.set_class(bool(check.gaps), "-gaps")
