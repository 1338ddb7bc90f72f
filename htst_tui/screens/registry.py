"""Every top-level screen, as data: the app builds navigation keys, the command palette and help from it.

Screens are named by "module:Class" and imported only when first opened, so start-up does not pay for
screens the user never visits. A feature adds one line here.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from textual.screen import Screen


@dataclass(frozen=True)
class ScreenEntry:
    name: str
    title: str
    key: str
    """Global key that opens it ("" for none: reached from another screen and the command palette)."""
    target: str
    """"module:Class" of a Screen subclass that takes no constructor arguments."""
    help: str

    def load(self) -> type[Screen[object]]:
        module_name, _, cls_name = self.target.partition(":")
        return getattr(importlib.import_module(module_name), cls_name)


SCREENS: list[ScreenEntry] = [
    ScreenEntry("home", "Home", "f2", "htst_tui.screens.home:HomeScreen",
                "What is due: reviews, appeal deadlines, overdue follow-ups; unsynced changes; last sync."),
    ScreenEntry("records", "Records", "f3", "htst_tui.screens.records:RecordsScreen",
                "Search, open, add, edit and delete any reference record."),
    ScreenEntry("panel", "Transport Panel", "f4", "htst_tui.screens.panel:PanelScreen",
                "Run a panel meeting: attendance, cases with the statutory hint, decisions, dissent, minutes."),
    ScreenEntry("sync", "Sync", "f5", "htst_tui.screens.sync:SyncScreen",
                "Sync with a folder or PostgreSQL: progress, results, rejected bundles, conflicts."),
    ScreenEntry("spot_checks", "Spot checks", "f6", "htst_tui.screens.spot_check.visits:SpotChecksScreen",
                "Spot checks at school gates: per-vehicle checklist by single keys, follow-ups, compliance."),
    ScreenEntry("conflicts", "Conflicts", "", "htst_tui.screens.conflicts:ConflictsScreen",
                "Records edited on two devices at once: compare both versions and keep one."),
    ScreenEntry("incidents", "Incidents", "f7", "htst_tui.screens.incidents.incident_list:IncidentListScreen",
                "Log and follow incidents: severity, notifications, report deadlines, status, follow-ups."),
    ScreenEntry("route_returns", "Route returns", "f8",
                "htst_tui.screens.incidents.route_return_list:RouteReturnListScreen",
                "Routes handed back by operators: notice given, children affected, reallocation."),
    ScreenEntry("purge", "Retention purge", "", "htst_tui.screens.purge:PurgeScreen",
                "Records past their retention period, counted by kind; erase them (the erasure syncs)."),
    ScreenEntry("settings", "Settings", "f9", "htst_tui.screens.settings:SettingsScreen",
                "Your profile (name and role stamped on records), theme and service settings."),
    ScreenEntry("reports", "Reports", "f10", "htst_tui.screens.reports:ReportsScreen",
                "The committee summary for a period: suppressed tables and charts, written as .md, .html or .xlsx."),
]

BY_NAME = {s.name: s for s in SCREENS}
