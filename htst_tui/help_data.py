"""Help text, as data: the Help screen only shows it, next to the keys it reads from the live bindings.

Keys are never written here (they come from each screen's bindings and from `screens/registry.py`, so help
cannot drift from what the keys do). A screen names its topic with a `HELP_TOPIC` class attribute; registry
screens without a topic show their registry help line.
"""

from __future__ import annotations

GENERAL = (
    "HTST Desk works with the keyboard alone. Every key of the screen you are on is listed below; the "
    "Footer shows them too. ctrl+p opens the command palette: type a few letters of any screen or action "
    "(\"new school\", \"records\", \"theme\") and press Enter. Forms save a draft as you type, so nothing "
    "is lost if the laptop closes: reopen the form and choose Restore."
)

TOPICS: dict[str, str] = {
    "home": (
        "Home shows how many records this laptop holds, how many changes have not been synced yet, when it "
        "last synced, and what is due. Overdue items are red, urgent ones yellow. Move to an item and press "
        "Enter to open it."
    ),
    "records": (
        "Choose a kind of record on the left (up/down), then type in the search box to filter. Tab moves "
        "between the kinds, the search box and the list. n adds a record, Enter or e opens the highlighted "
        "one, d deletes it (after you confirm; a deletion syncs like an edit), r reloads the list. On the "
        "pupils list, S writes a subject access file: everything held about the highlighted pupil (HTML and "
        "CSV files, logged as a read-out)."
    ),
    "record_form": (
        "Fill in the fields (Tab / shift+Tab to move). Each field is checked as you type and a message "
        "under it says what is wrong. ctrl+s saves. Escape leaves the form and keeps a draft, offered back "
        "next time you open the same record (or a new one of this kind)."
    ),
    "settings": (
        "Your name and role are stamped on every record you save. The theme changes the colours (ctrl+p → "
        "Theme also changes it). The numbers below are the service's own rules (training validity, review "
        "periods, report deadlines); each is checked before saving. ctrl+s saves to config.toml. The unlock "
        "passphrase is changed in its own window (its key is listed below; ctrl+p → Change unlock passphrase "
        "also opens it)."
    ),
    "change_passphrase": (
        "Change the passphrase the idle lock asks for: type the current one, then the new one twice (Tab or "
        "Enter moves on; Enter on the last field or ctrl+s changes it). If none is set yet, only the new one "
        "is asked. A wrong or unusable entry is said next to its field and is typed again; the other fields "
        "keep what you typed. Escape cancels. The change is recorded in the audit log (never the passphrase). "
        "Forgotten it? Ask whoever administers your computer account: see the README, Idle lock."
    ),
    "profile": ("Type your name, choose your role, and choose an unlock passphrase (typed twice) for the idle lock, "
                "then ctrl+s. You can change name and role later in Settings (F9)."),
    "db_problem": (
        "HTST Desk could not open its database or settings file. The message says why and what to do. "
        "Nothing was changed."
    ),
    "purge": (
        "Records past their retention period (Settings, F9: Retention), counted by kind; no names are shown. "
        "x erases them after you confirm: personal details are removed for good and the erasure syncs, so the "
        "central store and other laptops purge too. r counts again. The audit log records the purge."
    ),
    "lock": (
        "The screen locked because no key was pressed for a while. Type your passphrase and press Enter; "
        "everything you were doing is still there. ctrl+q quits (drafts are kept). Forgotten it? Whoever "
        "administers this computer account can clear it (README: Idle lock); Settings (F9) changes it."
    ),
    "picker": "Type to search, move with up/down, Enter chooses the record, Escape closes without choosing.",
    "help": "Escape, q or F1 closes this screen.",
}

WHERE_LABELS = {
    "app": "Everywhere",
    "screen": "This screen",
}
"""Headings for where a key works; keys of a focused widget show the widget's name instead."""
