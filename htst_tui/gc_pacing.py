"""Python's cyclic garbage collector, paced so that its long passes fall in the officer's pauses, not on a key.

Why: a full pass walks every object the collector can see. At city scale the app holds ~120,000 of them a few
screens in (widgets, style caches, the Home list's due items), so a pass takes 70–90 ms on the 2-core laptop, and
Python starts one whenever enough objects have piled up: whichever key happened to be pressed then waited for it
(bench/city_scale.py saw forms take 100–300 ms to open or save when one landed).

How: objects that are alive once a long-lived piece of the app has been built (the data layer, a list screen, a
kept form) will mostly live as long as the app, so they are collected once and then frozen (`gc.freeze`): later
passes walk only what was made since, ~5 ms. The same settling happens whenever the officer pauses, so the young
heap stays small. What was frozen and later became cyclic garbage (a list page replaced, a dialog closed) is
reclaimed by a sweep (unfreeze, full pass, freeze again) in a long pause, at most every `sweep_every` seconds.

And when Python starts a full pass itself (an officer working without a pause), its survivors are frozen too. Python
starts the next full pass once the objects moved to the old generation since the last one pass a quarter of that
last one's survivors; unfrozen, those survivors were walked again at every pass (~10 ms each at city scale, several
a minute of quick work, bench/city_scale.py), and the passes came ever closer. Frozen, each pass walks only what was
kept since the last.

Python also starts its full passes itself, whenever its counts say so: that is, while something allocates, which in
this app mostly means while a key is being handled and drawn. Such a pass (~6–8 ms at city scale even with the
above) then delayed the very key that triggered it: 5–7 of them landed in the keys bench/city_scale.py timed. So,
once loaded, Python's own full passes are held back (its third threshold is raised `hold_factor` times) and the
pacing timer runs each one as it falls due, in a moment without a key (`between_keys_after` s since the last). Held
back, not stopped: if no such moment comes, Python runs it itself at `hold_factor` times its usual count.

No Textual here: the app calls `tick` from a timer with the time since the last key, and `settle` after a build.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


class GcPacer:
    def __init__(self, *, idle_after: float = 0.5, sweep_idle_after: float = 5.0, sweep_every: float = 600.0,
                 between_keys_after: float = 0.02, hold_factor: int = 3,
                 clock: Callable[[], float] = time.monotonic) -> None:
        """`idle_after`: seconds without a key before the young heap is settled; `sweep_idle_after` and
        `sweep_every`: a sweep needs that long a pause and at least that long since the last one;
        `between_keys_after`: seconds without a key before a full pass that has fallen due is run;
        `hold_factor`: how many times later than usual Python runs a held-back full pass itself."""
        self.idle_after = idle_after
        self.between_keys_after = between_keys_after
        self.hold_factor = hold_factor
        self._thresholds: tuple[int, int, int] | None = None
        """Python's own thresholds while its full passes are held back (given back at `release`)."""
        self.sweep_idle_after = sweep_idle_after
        self.sweep_every = sweep_every
        self._clock = clock
        self._last_sweep = clock()
        self.settles = 0
        self.sweeps = 0
        self.full_passes = 0
        """Full passes seen since the data layer loaded (Python's own, settles' and sweeps'), each frozen after."""

    def freeze_loaded(self) -> None:
        """The data layer has just loaded (Textual, SQLAlchemy's mappers and caches, every module imported): it
        lives as long as the app. Frozen without a pass, which would walk all of it (~0.4 s at city scale) while
        Home waits for its figures; garbage pending at that moment stays until the first sweep."""
        gc.freeze()
        if self._after_full_pass not in gc.callbacks:
            gc.callbacks.append(self._after_full_pass)
        if self._thresholds is None:
            self._thresholds = young, middle, old = gc.get_threshold()
            gc.set_threshold(young, middle, old * self.hold_factor)

    def _after_full_pass(self, phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 2:
            gc.freeze()
            self.full_passes += 1

    def settle(self) -> int:
        """Collect the garbage among objects made since the last settle, and freeze the survivors. Costs a pass
        over those objects only. Returns how many unreachable objects were found."""
        found = gc.collect()
        gc.freeze()
        self.settles += 1
        return found

    def sweep(self) -> int:
        """A pass over everything, frozen or not, then freeze the survivors: reclaims cycles among objects that
        were alive when frozen and have died since. Returns how many unreachable objects were found."""
        gc.unfreeze()
        found = gc.collect()
        gc.freeze()
        self.sweeps += 1
        self._last_sweep = self._clock()
        return found

    def young_heap_grew(self) -> bool:
        """Has the collector run at least once since the last settle (a settle's pass resets its counts)? If not,
        fewer than ~700 objects were kept since, and settling again would gain nothing."""
        _young, middle, old = gc.get_count()
        return middle > 0 or old > 0

    def full_pass_due(self) -> bool:
        """Would Python have started a full pass by now, had it not been held back? (Its third count is the
        number of middle-generation passes since the last full one.)"""
        return self._thresholds is not None and gc.get_count()[2] >= self._thresholds[2]

    def tick(self, idle_for: float) -> str | None:
        """Called by a timer with the seconds since the officer's last key: settle or sweep when that is cheap
        for them. Returns what was done ("settle", "sweep", "due" for a held-back full pass, or None)."""
        if idle_for >= self.sweep_idle_after and self._clock() - self._last_sweep >= self.sweep_every:
            self.sweep()
            return "sweep"
        if idle_for >= self.idle_after and self.young_heap_grew():
            self.settle()
            return "settle"
        if idle_for >= self.between_keys_after and self.full_pass_due():
            self.settle()
            return "due"
        return None

    def release(self) -> None:
        """Give every frozen object back to the collector (the app is ending: what it held may now be freed)."""
        if self._after_full_pass in gc.callbacks:
            gc.callbacks.remove(self._after_full_pass)
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None
        gc.unfreeze()
