"""The Transport Panel screens: meeting list -> meeting (banner, attendance, case queue) -> case form."""

from htst_tui.screens.panel.meetings import PanelScreen

__all__ = ["PanelScreen"]
