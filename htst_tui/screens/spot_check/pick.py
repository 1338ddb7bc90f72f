"""Picking a route by its number in a short list: one digit, or two when the list is longer than nine."""

from __future__ import annotations


def resolve_pick(typed: str, count: int) -> int | None:
    """The 1-based route number `typed` settles on, or None while more digits could still follow.

    With 12 routes, "2" settles at once (there is no 20-29), "1" waits (10, 11, 12 are possible) until a
    second digit or Enter (`finish_pick`). A number out of range settles on nothing (returns 0).
    """
    if not typed.isdigit():
        return 0
    number = int(typed)
    if number < 1 or number > count:
        return 0
    if number * 10 <= count:
        return None
    return number


def finish_pick(typed: str, count: int) -> int:
    """Enter after a prefix: take the digits typed so far as the number (0 when out of range)."""
    number = int(typed) if typed.isdigit() else 0
    return number if 1 <= number <= count else 0
