"""Waiting for the app in Pilot tests, one way for every module."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.pilot import Pilot
from textual.worker import WorkerCancelled


async def settle(app: Any, pilot: Pilot[Any]) -> None:
    """Let workers finish and the messages they post be handled (twice: a handler may start a worker).

    A worker cancelled on the way counts as finished: the app cancels some by design (a list's page fetch when a
    newer one starts, or when the list is taken down), and Textual's `wait_for_complete` raises for those,
    failing whichever test happened to wait just then. A worker that failed still raises here."""
    for _ in range(2):
        outcomes = await asyncio.gather(*(worker.wait() for worker in app.workers), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(outcome, WorkerCancelled):
                raise outcome
        await pilot.pause()
