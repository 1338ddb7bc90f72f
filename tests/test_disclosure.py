"""Disclosure control: no count from 1 to 4 is shown, nor can be worked out from what is shown.

The oracle is independent of the implementation: an exact integer program over every table a reader could
believe in (hidden "<5" cells in 1..4, hidden "[c]" cells at least 5, every row and column adding up) checks
that each hidden small count could still take more than one value.
"""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from htst_tui.domain.disclosure import PRIMARY, SECONDARY, lines, suppress

T = 5


def value_range(table, cell) -> tuple[int, int]:
    """The least and greatest value `cell` can take in any table a reader could believe in (exact integer
    programming with scipy's MILP solver: hidden "<5" cells in 1..4, "[c]" cells at least 5, all lines adding up)."""
    hidden = sorted(table.hidden)
    index = {c: i for i, c in enumerate(hidden)}
    rows, rhs = [], []
    for parts, total in lines(len(table.values), len(table.values[0])):
        coeffs = np.zeros(len(hidden))
        known = 0
        for member, sign in [*[(p, 1) for p in parts], (total, -1)]:
            if member in index:
                coeffs[index[member]] += sign
            else:
                known += sign * table.values[member[0]][member[1]]
        if coeffs.any():
            rows.append(coeffs)
            rhs.append(-known)
    lower = [1 if table.hidden[c] == PRIMARY else T for c in hidden]
    upper = [T - 1 if table.hidden[c] == PRIMARY else np.inf for c in hidden]
    constraints = [LinearConstraint(np.array(rows), rhs, rhs)] if rows else []
    out = []
    for sign in (1, -1):
        objective = np.zeros(len(hidden))
        objective[index[cell]] = sign
        result = milp(objective, constraints=constraints, integrality=np.ones(len(hidden)),
                      bounds=Bounds(lower, upper))
        assert result.status == 0, result.message  # the true table is always feasible
        out.append(round(result.x[index[cell]]))
    return out[0], out[1]


def test_no_small_count_needs_no_suppression() -> None:
    table = suppress([[5, 0], [7, 9]])
    assert table.hidden == {}
    assert table.rows() == [["5", "0", "5"], ["7", "9", "16"], ["12", "9", "21"]]


def test_single_small_cell_gets_a_complement_in_row_and_column() -> None:
    table = suppress([[3, 10, 12], [8, 9, 20], [6, 7, 30]])
    assert table.hidden[(0, 0)] == PRIMARY
    assert any(k == SECONDARY for k in table.hidden.values())
    shown = table.rows()
    assert shown[0][0] == "<5"
    assert "3" not in [shown[0][0]]
    for r, row in enumerate(table.values):
        hidden_in_row = [c for c in range(len(row)) if (r, c) in table.hidden]
        assert len(hidden_in_row) != 1


def test_small_total_is_itself_hidden() -> None:
    table = suppress([[1, 0, 7], [0, 6, 8]])
    assert table.display(0, 0) == "<5"
    assert not table.withheld


def test_table_of_ones_and_zeros_is_withheld() -> None:
    """Every non-zero cell is small and the zeros give it away: nothing can be published."""
    table = suppress([[0, 1], [0, 1], [0, 1], [0, 1]])  # four ones under a total "<5" must all be 1
    assert table.withheld
    assert {text for row in table.rows() for text in row} == {"[c]"}


small_tables = st.integers(min_value=1, max_value=4).flatmap(
    lambda rows: st.integers(min_value=1, max_value=4).flatmap(
        lambda cols: st.lists(st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 9]), min_size=cols, max_size=cols),
                              min_size=rows, max_size=rows)))


@settings(max_examples=200, deadline=None)
@given(small_tables)
def test_nothing_small_is_shown(interior: list[list[int]]) -> None:
    table = suppress(interior, T)
    for r, row in enumerate(table.values):
        for c, v in enumerate(row):
            text = table.display(r, c)
            if table.withheld:
                assert text == "[c]"
            elif 0 < v < T:
                assert text == "<5"
            elif (r, c) not in table.hidden:
                assert text == str(v)


@settings(max_examples=200, deadline=None)
@given(small_tables)
def test_no_hidden_small_count_can_be_worked_out(interior: list[list[int]]) -> None:
    table = suppress(interior, T)
    if table.withheld:
        assert all(text == "[c]" for row in table.rows() for text in row)
        return
    for cell, kind in table.hidden.items():
        if kind == PRIMARY:
            low, high = value_range(table, cell)
            assert low < high, (interior, cell, low, high, table.rows())


def test_deduction_that_combines_equations_is_caught() -> None:
    """Rows 0 and 1 are "<5" and so is their column total, so with the grand total 8 shown, row 2 would have to
    be 4: interval propagation alone misses this; the exact check hides more."""
    table = suppress([[0, 0, 1], [0, 0, 3], [1, 3, 0]])
    low, high = value_range(table, (2, 3)) if table.hidden.get((2, 3)) == PRIMARY else (0, 1)
    assert low < high
    assert table.display(3, 3) != "8"
