"""gc_pacing.GcPacer with Python's real collector: what a settle and a sweep reclaim and keep, and when a tick
does either."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from htst_tui.gc_pacing import GcPacer


class Node:
    """An object in a reference cycle: only the cyclic collector can free it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def _no_gc_freeze() -> list[str]:
    """This module runs the real collector (the suite-wide fixture of that name records calls instead)."""
    return []


@pytest.fixture(autouse=True)
def _unfrozen_after() -> Iterator[None]:
    yield
    gc.unfreeze()


def tracked(obj: object) -> bool:
    """Is `obj` in the collector's view (frozen objects are not)?"""
    return any(o is obj for o in gc.get_objects())


def test_a_settle_frees_new_cycles_and_freezes_what_lives() -> None:
    pacer = GcPacer()
    dead, alive = Node(), Node()
    gone = weakref.ref(dead)
    del dead
    assert tracked(alive)
    assert pacer.settle() > 0
    assert gone() is None, "a cycle made since the last settle is collected"
    assert not tracked(alive), "what lives on leaves the collector's view"
    assert gc.get_freeze_count() > 0 and pacer.settles == 1


def test_a_sweep_frees_cycles_that_died_after_being_frozen() -> None:
    pacer = GcPacer()
    node = Node()
    gone = weakref.ref(node)
    pacer.settle()
    del node
    gc.collect()
    assert gone() is not None, "a frozen cycle is out of reach of an ordinary pass"
    pacer.sweep()
    assert gone() is None and pacer.sweeps == 1
    survivor = Node()
    pacer.sweep()
    assert not tracked(survivor), "a sweep freezes the survivors again"


def test_a_tick_settles_only_in_a_pause_and_sweeps_only_in_a_long_one_now_and_then() -> None:
    now = [0.0]
    pacer = GcPacer(idle_after=0.5, sweep_idle_after=5.0, sweep_every=600.0, clock=lambda: now[0])
    grew = [True]
    pacer.young_heap_grew = lambda: grew[0]  # type: ignore[method-assign]
    assert pacer.tick(idle_for=0.1) is None
    assert pacer.tick(idle_for=0.6) == "settle"
    grew[0] = False
    assert pacer.tick(idle_for=0.6) is None, "nothing new to settle"
    assert pacer.tick(idle_for=60.0) is None, "a long pause, but the last sweep was too recent"
    now[0] = 600.0
    assert pacer.tick(idle_for=4.0) is None, "time for a sweep, but the pause is too short"
    assert pacer.tick(idle_for=5.0) == "sweep"
    assert pacer.tick(idle_for=60.0) is None
    assert (pacer.settles, pacer.sweeps) == (1, 1)


def test_the_young_heap_grows_with_kept_objects_and_a_settle_resets_it() -> None:
    pacer = GcPacer()
    pacer.settle()
    assert not pacer.young_heap_grew()
    kept = [Node() for _ in range(5_000)]
    assert pacer.young_heap_grew()
    pacer.settle()
    assert not pacer.young_heap_grew() and len(kept) == 5_000


def test_once_loaded_the_survivors_of_pythons_own_full_passes_are_frozen_until_release() -> None:
    pacer = GcPacer()
    before = Node()
    gc.collect()  # a full pass Python makes itself, before the data layer loaded: nothing is frozen after it
    assert tracked(before)
    pacer.freeze_loaded()
    try:
        kept, dead = Node(), Node()
        gone = weakref.ref(dead)
        del dead
        gc.collect(2)  # as Python starts one when enough objects have reached the old generation
        assert gone() is None, "the pass still frees what died"
        assert not tracked(kept), "its survivors leave the collector's view: the next pass does not walk them"
        assert pacer.full_passes == 1
        gc.collect(1)
        assert pacer.full_passes == 1, "a younger pass is not a full one"
    finally:
        pacer.release()
    after = Node()
    gc.collect()
    assert tracked(after) and pacer.full_passes == 1, "released: passes freeze nothing more"


def test_once_loaded_pythons_own_full_passes_are_held_back_for_the_timer_to_run_between_keys() -> None:
    usual = gc.get_threshold()
    pacer = GcPacer(between_keys_after=0.02, hold_factor=3)
    pacer.freeze_loaded()
    try:
        young, middle, old = gc.get_threshold()
        assert (young, middle, old) == (usual[0], usual[1], usual[2] * 3), "Python runs one itself only 3x later"
        gc.collect()  # a full pass: the counts start again
        assert not pacer.full_pass_due()
        for _ in range(usual[2]):
            gc.collect(1)  # middle-generation passes, as allocation makes them: each brings a full pass closer
        assert gc.get_count()[2] >= usual[2] and pacer.full_pass_due(), "Python would have run one by now"
        passes = pacer.full_passes
        assert pacer.tick(idle_for=0.005) is None, "a key was just pressed: it may still be being drawn"
        assert pacer.full_passes == passes
        assert pacer.tick(idle_for=0.05) == "due"
        assert pacer.full_passes == passes + 1 and not pacer.full_pass_due()
        assert pacer.tick(idle_for=0.05) is None, "nothing due until the counts build up again"
    finally:
        pacer.release()
    assert gc.get_threshold() == usual, "Python's own thresholds are given back"
    assert not pacer.full_pass_due()


def test_a_pacer_that_never_loaded_holds_nothing_back() -> None:
    usual = gc.get_threshold()
    pacer = GcPacer()
    for _ in range(usual[2] + 1):
        gc.collect(1)
    assert not pacer.full_pass_due() and pacer.tick(idle_for=0.05) is None
    pacer.release()
    assert gc.get_threshold() == usual
