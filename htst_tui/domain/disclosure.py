"""Small-number disclosure control for committee tables (domain.md §5.4).

A count from 1 to threshold-1 is shown as "<5" (primary suppression). Because tables carry row and column
totals, one hidden cell in a line could be worked out by subtraction, so further cells are hidden
(secondary suppression, shown as "[c]") until no hidden small count can be deduced:
- exactly, by linear algebra over every row/column equation (a hidden cell is exposed when its unit vector
  lies in the span of the published equations), or
- by bounds: a reader knows "<5" means 1..4 and "[c]" means at least the threshold (zeros are never hidden);
  an exact integer program over every table consistent with what is shown must leave each small count
  more than one possible value.
Zero is shown as 0: it hides no one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

Cell = tuple[int, int]

PRIMARY = "primary"
SECONDARY = "secondary"


@dataclass(frozen=True)
class SuppressedTable:
    """An (R+1) x (C+1) grid: interior counts, row totals in the last column, column totals in the last row."""

    values: list[list[int]]
    hidden: dict[Cell, str]
    threshold: int
    withheld: bool = False
    """No pattern of hidden cells protects every small count (e.g. a table of ones and zeros): the whole
    table is withheld rather than published."""

    def display(self, r: int, c: int) -> str:
        if self.withheld:
            return "[c]"
        kind = self.hidden.get((r, c))
        if kind == PRIMARY:
            return f"<{self.threshold}"
        if kind == SECONDARY:
            return "[c]"
        return str(self.values[r][c])

    def rows(self) -> list[list[str]]:
        return [[self.display(r, c) for c in range(len(self.values[0]))] for r in range(len(self.values))]


def with_totals(interior: Sequence[Sequence[int]]) -> list[list[int]]:
    rows = [[*r, sum(r)] for r in interior]
    ncols = len(rows[0]) if rows else 1
    totals = [sum(r[c] for r in rows) for c in range(ncols)]
    return [*rows, totals]


def lines(n_rows: int, n_cols: int) -> list[tuple[list[Cell], Cell]]:
    """Every published equation of a table with totals: (cells summed, the cell holding their total)."""
    out: list[tuple[list[Cell], Cell]] = []
    last_r, last_c = n_rows - 1, n_cols - 1
    for r in range(n_rows):
        out.append(([(r, c) for c in range(last_c)], (r, last_c)))
    for c in range(n_cols):
        out.append(([(r, c) for r in range(last_r)], (last_r, c)))
    return out


def _linearly_determined(values: list[list[int]], hidden: set[Cell]) -> set[Cell]:
    """Hidden cells whose value follows exactly from the published equations (RREF over the rationals)."""
    order = sorted(hidden)
    index = {cell: i for i, cell in enumerate(order)}
    matrix: list[list[Fraction]] = []
    for parts, total in lines(len(values), len(values[0])):
        row = [Fraction(0)] * len(order)
        touched = False
        for cell in parts:
            if cell in index:
                row[index[cell]] += 1
                touched = True
        if total in index:
            row[index[total]] -= 1
            touched = True
        if touched:
            matrix.append(row)
    pivots: list[int] = []
    r = 0
    for col in range(len(order)):
        pivot = next((i for i in range(r, len(matrix)) if matrix[i][col] != 0), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        lead = matrix[r][col]
        matrix[r] = [v / lead for v in matrix[r]]
        for i in range(len(matrix)):
            if i != r and matrix[i][col] != 0:
                factor = matrix[i][col]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[r], strict=True)]
        pivots.append(col)
        r += 1
    pivot_set = set(pivots)
    determined: set[Cell] = set()
    for row_i, col in enumerate(pivots):
        if all(matrix[row_i][j] == 0 for j in range(len(order)) if j not in pivot_set):
            determined.add(order[col])
    return determined


def bounds(values: list[list[int]], hidden: dict[Cell, str], threshold: int) -> dict[Cell, tuple[int, int]]:
    """What a reader can infer about each hidden cell from the symbols and the equations (interval propagation)."""
    big = 10**9
    known = {(r, c): v for r, row in enumerate(values) for c, v in enumerate(row) if (r, c) not in hidden}
    box = {cell: ((1, threshold - 1) if kind == PRIMARY else (threshold, big)) for cell, kind in hidden.items()}

    def lo(cell: Cell) -> int:
        return known[cell] if cell in known else box[cell][0]

    def hi(cell: Cell) -> int:
        return known[cell] if cell in known else box[cell][1]

    equations = lines(len(values), len(values[0]))
    for _ in range(50):
        changed = False
        for parts, total in equations:
            # total = sum(parts): tighten the total, then each part.
            if total in box:
                new = (max(box[total][0], sum(lo(p) for p in parts)), min(box[total][1], sum(hi(p) for p in parts)))
                if new != box[total]:
                    box[total] = new
                    changed = True
            for p in parts:
                if p not in box:
                    continue
                others = [q for q in parts if q != p]
                new = (max(box[p][0], lo(total) - sum(hi(q) for q in others)),
                       min(box[p][1], hi(total) - sum(lo(q) for q in others)))
                if new != box[p]:
                    box[p] = new
                    changed = True
        if not changed:
            break
    return box


def _quick_exposed(values: list[list[int]], hidden: dict[Cell, str], threshold: int) -> set[Cell]:
    """Cheap, incomplete test: linear algebra plus interval propagation (used to rank candidate cells)."""
    primaries = {c for c, k in hidden.items() if k == PRIMARY}
    out = _linearly_determined(values, set(hidden)) & primaries
    for cell, (low, high) in bounds(values, hidden, threshold).items():
        if cell in primaries and low >= high:
            out.add(cell)
    return out


def _integer_exposed(values: list[list[int]], hidden: dict[Cell, str], threshold: int) -> set[Cell]:
    """Exact test: for each hidden small count, the least and greatest value it can take in any table a reader
    could believe in, by integer programming (HiGHS through scipy). Equal means it can be worked out.

    Interval propagation misses deductions that combine equations (e.g. two "<5" rows whose sum is also a
    "<5" column total, under a published grand total), so publishing rests on this check."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    order = sorted(hidden)
    index = {cell: i for i, cell in enumerate(order)}
    rows: list[list[float]] = []
    rhs: list[float] = []
    for parts, total in lines(len(values), len(values[0])):
        coeffs = [0.0] * len(order)
        known = 0
        for member, sign in [*[(p, 1) for p in parts], (total, -1)]:
            if member in index:
                coeffs[index[member]] += sign
            else:
                known += sign * values[member[0]][member[1]]
        if any(coeffs):
            rows.append(coeffs)
            rhs.append(-known)
    lower = [1 if hidden[c] == PRIMARY else threshold for c in order]
    upper = [threshold - 1 if hidden[c] == PRIMARY else np.inf for c in order]
    constraints = [LinearConstraint(np.array(rows), rhs, rhs)] if rows else []
    integrality = np.ones(len(order))
    out: set[Cell] = set()
    for cell in order:
        if hidden[cell] != PRIMARY:
            continue
        found = []
        for direction in (1.0, -1.0):
            objective = np.zeros(len(order))
            objective[index[cell]] = direction
            result = milp(objective, constraints=constraints, integrality=integrality, bounds=Bounds(lower, upper))
            found.append(round(result.x[index[cell]]) if result.success else None)
        if found[0] is not None and found[0] == found[1]:
            out.add(cell)
    return out


def exposed(values: list[list[int]], hidden: dict[Cell, str], threshold: int) -> set[Cell]:
    """Hidden small counts a reader could work out: the quick tests first, then the exact one."""
    return _quick_exposed(values, hidden, threshold) or _integer_exposed(values, hidden, threshold)


def _is_total(values: list[list[int]], cell: Cell) -> bool:
    return cell[0] == len(values) - 1 or cell[1] == len(values[0]) - 1


def _complement(values: list[list[int]], hidden: dict[Cell, str], cell: Cell, threshold: int) -> Cell | None:
    """The next cell to hide to protect `cell`.

    Candidates are visible non-zero cells sharing a line with it or with another hidden cell (else any visible
    non-zero cell). The pick leaves the fewest exposed small counts, then the fewest lines with a lone hidden
    cell (so hidden cells pair up into rectangles rather than spread), then prefers interior cells to totals
    (published totals survive where they can), then the smallest.
    """
    shared = {other for parts, total in lines(len(values), len(values[0]))
              if cell in (*parts, total) or any(member in hidden for member in (*parts, total))
              for other in (*parts, total)}
    visible = [(r, c) for r, row in enumerate(values) for c, v in enumerate(row) if (r, c) not in hidden and v > 0]
    candidates = [c for c in visible if c in shared] or visible
    if not candidates:
        return None

    equations = lines(len(values), len(values[0]))

    def score(candidate: Cell) -> tuple[int, int, int, int, Cell]:
        trial = {**hidden, candidate: SECONDARY}
        lonely = sum(1 for parts, total in equations if sum(c in trial for c in (*parts, total)) == 1)
        return (len(_quick_exposed(values, trial, threshold)), lonely, int(_is_total(values, candidate)),
                values[candidate[0]][candidate[1]], candidate)

    return min(candidates, key=score)


def suppress(interior: Sequence[Sequence[int]], threshold: int = 5) -> SuppressedTable:
    """Add totals and hide what must be hidden; see the module docstring for the rule."""
    values = with_totals(interior)
    hidden: dict[Cell, str] = {
        (r, c): PRIMARY for r, row in enumerate(values) for c, v in enumerate(row) if 0 < v < threshold
    }
    while True:
        leaks = sorted(exposed(values, hidden, threshold))
        if not leaks:
            break
        extra = _complement(values, hidden, leaks[0], threshold)
        if extra is None:  # only zeros are visible and a small count can still be worked out
            return SuppressedTable(values=values, hidden=hidden, threshold=threshold, withheld=True)
        hidden[extra] = SECONDARY
    return SuppressedTable(values=values, hidden=hidden, threshold=threshold)
