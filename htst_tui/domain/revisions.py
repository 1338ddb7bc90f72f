"""Revision ids, CouchDB style: `N-hash`, N the generation, hash over parent + content.

The hash depends only on the parent revision and the content, never on a clock, so the same edit made
on two devices gets the same id (no false conflict), and every device picks the same winner between
two concurrent revisions (longest history, then highest id) without trusting wall clocks.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

MAX_HISTORY = 200
"""Ancestors kept per record: enough to recognise any fast-forward between devices that sync at all."""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def generation(rev: str | None) -> int:
    if not rev:
        return 0
    head, _, _ = rev.partition("-")
    return int(head)


def next_rev(parent: str | None, data: dict[str, Any], deleted: bool = False) -> str:
    payload = canonical_json({"parent": parent or "", "data": data, "deleted": deleted})
    digest = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
    return f"{generation(parent) + 1}-{digest}"


def extend_history(parent: str | None, history: list[str]) -> list[str]:
    """The ancestor list of a child of `parent` (newest first, capped)."""
    if not parent:
        return []
    return [parent, *history][:MAX_HISTORY]


def rev_sort_key(rev: str) -> tuple[int, str]:
    """Deterministic winner order: higher generation first, then the higher hash."""
    return (generation(rev), rev.partition("-")[2])
