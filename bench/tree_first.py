"""`--tree`: make `import htst_tui` find the given source tree even when this worktree is an editable install.

An editable install puts an import hook on `sys.meta_path`, which is asked before `sys.path` (so PYTHONPATH
alone would still import this worktree's code and a before/after run would time the same code twice). The bench
passes the tree in HTST_BENCH_TREE; each bench process imports this module before anything imports htst_tui.
"""

from __future__ import annotations

import os
import sys

TREE = os.environ.get("HTST_BENCH_TREE")
if TREE:
    sys.meta_path[:] = [f for f in sys.meta_path if not getattr(f, "__module__", "").startswith("__editable__")]
    sys.path.insert(0, TREE)
