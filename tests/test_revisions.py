"""Revision ids: deterministic, generation-counting, and ordered without clocks."""

from htst_tui.domain.revisions import MAX_HISTORY, extend_history, generation, next_rev, rev_sort_key


def test_same_edit_same_revision() -> None:
    a = next_rev("1-abc", {"name": "X"})
    assert a == next_rev("1-abc", {"name": "X"})
    assert a != next_rev("1-abc", {"name": "Y"})
    assert a != next_rev("1-abd", {"name": "X"})
    assert next_rev("1-abc", {"name": "X"}, deleted=True) != a


def test_generation_counts_up() -> None:
    first = next_rev(None, {"a": 1})
    assert generation(first) == 1
    assert generation(next_rev(first, {"a": 2})) == 2


def test_winner_order_is_generation_then_hash() -> None:
    assert rev_sort_key("3-aaa") > rev_sort_key("2-fff")
    assert rev_sort_key("2-bbb") > rev_sort_key("2-aaa")


def test_history_is_capped() -> None:
    history: list[str] = []
    parent = None
    for i in range(MAX_HISTORY + 20):
        history = extend_history(parent, history)
        parent = f"{i + 1}-x"
    assert len(history) == MAX_HISTORY
    assert history[0] == f"{MAX_HISTORY + 19}-x"
