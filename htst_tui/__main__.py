"""`python -m htst_tui` runs the same CLI as the `htst` script."""

from htst_tui import _start_time  # noqa: F401  (first import: start-up is timed from here)
from htst_tui.cli import main

if __name__ == "__main__":
    main()
