"""The open ServiceContext for any screen (the app convention: `self.app.ctx`), typed in one place.

Importing this costs nothing at start-up: the service types are only named for the type checker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.dom import DOMNode

if TYPE_CHECKING:
    from htst_tui.services.context import ServiceContext


def service_context(node: DOMNode) -> ServiceContext:
    return cast("ServiceContext", node.app.ctx)  # type: ignore[attr-defined]
