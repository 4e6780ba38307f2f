"""Small-cell suppression: the one rule every statistics output goes through.

In a municipality of this size a count of 1-4 identifies a person ("the one man over 65
in the shelter this spring"). So:

* **primary suppression**: every count from 1 to k-1 is shown as ``<k`` (k = 5 unless the
  administrators set another, see ``storage.install.SETTING_RANGES``; k >= 3, since with
  k = 2 ``<2`` would say "1");
* **secondary suppression**: the row, column and grand totals are shown, so a single
  ``<k`` in a line could be worked out as the total minus the rest. The rule therefore
  solves the table the way a reader could – every suppressed cell takes the values its
  marker allows (``<k``: 1..k-1; ``x``: 0 or k and more), every shown total must add up –
  and while some suppressed cell has only one possible value it hides one more cell in
  that cell's line (the smallest count; shown as ``x``), or, when the line has nothing
  left to hide, the line's total. If the table is too large to solve within a budget the
  totals of every line with a suppressed cell are hidden instead (each shown total is then
  the sum of shown cells and tells nothing);
* **the previous period** is protected on its own and a change between the two periods is
  shown only where both counts are shown (the two tables share no total, so one cannot be
  solved through the other);
* **percentages and medians** are shown only on k people or more, and a percentage of a
  suppressed count is suppressed with it.

Plain Python, no I/O: ``tests/unit/test_suppression.py`` checks hand-made tables and
tries, with hypothesis, to recover every suppressed cell from what is shown.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

__all__ = ["DEFAULT_K", "HIDDEN", "MIN_K", "Cell", "Protected", "change", "median", "percent",
           "percentile", "protect_counts", "protect_table", "small"]

DEFAULT_K = 5
MIN_K = 3
#: the marker of a cell hidden so that a small count cannot be worked out (and of a total,
#: a percentage or a median that is not shown)
HIDDEN = "x"
#: how many partial assignments the solver may try before it hides the totals instead
_BUDGET = 20_000

State = Literal["shown", "small", "hidden"]


def small(k: int) -> str:
    """The marker of a count from 1 to k-1."""
    return f"<{k}"


@dataclass(frozen=True)
class Cell:
    """One figure as it may be shown: ``text`` is what is drawn; ``value`` the count, only
    when it is shown (``None`` for ``<k`` and ``x``)."""

    text: str
    value: int | None
    state: State = "shown"

    @property
    def shown(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class Protected:
    """A table after suppression: its cells and its totals (a total not shown is ``x``)."""

    cells: tuple[tuple[Cell, ...], ...]
    row_totals: tuple[Cell, ...]
    col_totals: tuple[Cell, ...]
    total: Cell
    k: int
    #: nothing of the table can be shown (its total is known elsewhere and a cell would
    #: still be given away): every cell and line total is ``x``
    withheld: bool = False


def _check_k(k: int) -> None:
    if not isinstance(k, int) or isinstance(k, bool) or k < MIN_K:
        raise ValueError(f"k must be a whole number >= {MIN_K}")


def _shown(value: int) -> Cell:
    return Cell(str(value), value, "shown")


_HIDDEN_CELL = Cell(HIDDEN, None, "hidden")


#: the suppressed cells of a line (their indexes) and the least and most they add up to
_Equation = tuple[list[int], int, int]


class _Stuck(Exception):
    """Nothing is left to hide and a cell can still be worked out."""


def protect_counts(counts: Sequence[int], k: int = DEFAULT_K, *, known_total: bool = False,
                   totals: bool = True) -> Protected:
    """A one-row table (categories and their total)."""
    return protect_table([list(counts)], k, known_total=known_total, totals=totals)


def protect_table(counts: Sequence[Sequence[int]], k: int = DEFAULT_K, *,
                  known_total: bool = False, totals: bool = True) -> Protected:
    """``counts`` (rows of non-negative counts, all rows as long) with its row, column
    and grand totals, suppressed so that no suppressed cell can be worked out.

    ``known_total``: the grand total is shown elsewhere too (another table of the same
    people), so it is never hidden here – it is shown as ``<k`` when small, and if a cell
    could still be worked out with nothing left to hide, the whole table is withheld.
    ``totals=False``: no totals at all (a table where one person may count in several
    cells, whose cells do not add up to anything)."""
    _check_k(k)
    rows = [list(r) for r in counts]
    if not rows or any(len(r) != len(rows[0]) for r in rows):
        raise ValueError("a table needs rows of equal length")
    if any(not isinstance(v, int) or isinstance(v, bool) or v < 0 for r in rows for v in r):
        raise ValueError("counts are non-negative whole numbers")
    n_rows, n_cols = len(rows), len(rows[0])
    state: dict[tuple[int, int], State] = {
        (r, c): ("small" if 0 < rows[r][c] < k else "shown")
        for r in range(n_rows) for c in range(n_cols)}
    grand = sum(map(sum, rows))
    if known_total and 0 < grand < k:
        return _withheld(n_rows, n_cols, Cell(small(k), None, "small"), k)
    # a line of one cell has that cell as its total: it is drawn as the cell, never apart
    row_shown = [totals and n_cols > 1] * n_rows
    col_shown = [totals and n_rows > 1] * n_cols
    grand_shown = [totals or known_total]
    while True:
        pinned = _pinned(rows, state, row_shown, col_shown, grand_shown[0], k)
        if pinned is None:
            # too large to solve: a total is shown only where its line hides nothing
            for r in range(n_rows):
                row_shown[r] = row_shown[r] and all(
                    state[r, c] == "shown" for c in range(n_cols))
            for c in range(n_cols):
                col_shown[c] = col_shown[c] and all(
                    state[r, c] == "shown" for r in range(n_rows))
            grand_shown[0] = known_total or (
                grand_shown[0] and all(s == "shown" for s in state.values()))
            if known_total and _pinned(rows, state, row_shown, col_shown, True, k) != set():
                return _withheld(n_rows, n_cols, _total(grand, k), k)
            break
        if not pinned:
            break
        # every cell given away by a line gets one more hidden in that line, then the
        # table is solved again; only when no such line is left, something wider goes
        touched: set[tuple[str, int]] = set()
        for r, c in sorted(pinned):
            if touched & {("row", r), ("col", c)}:
                continue  # solved again first: what was hidden may be enough
            line = _hide_one_more(rows, state, row_shown, col_shown, r, c)
            if line is not None:
                touched.add(line)
        if not touched:
            try:
                _last_resort(rows, state, row_shown, col_shown, grand_shown, known_total)
            except _Stuck:
                return _withheld(n_rows, n_cols, _total(grand, k), k)
    cells = tuple(
        tuple(_shown(rows[r][c]) if state[r, c] == "shown"
              else Cell(small(k), None, "small") if state[r, c] == "small" else _HIDDEN_CELL
              for c in range(n_cols))
        for r in range(n_rows))
    return Protected(
        cells=cells,
        row_totals=tuple(cells[r][0] if n_cols == 1 else _total(sum(rows[r]), k)
                         if row_shown[r] else _HIDDEN_CELL for r in range(n_rows)),
        col_totals=tuple(cells[0][c] if n_rows == 1
                         else _total(sum(rows[r][c] for r in range(n_rows)), k) if col_shown[c]
                         else _HIDDEN_CELL for c in range(n_cols)),
        total=_total(grand, k) if grand_shown[0] else _HIDDEN_CELL,
        k=k)


def _total(value: int, k: int) -> Cell:
    """A total goes through the same rule as a cell: 1..k-1 is "<k"."""
    return Cell(small(k), None, "small") if 0 < value < k else _shown(value)


def _withheld(n_rows: int, n_cols: int, total: Cell, k: int) -> Protected:
    return Protected(cells=tuple(tuple(_HIDDEN_CELL for _c in range(n_cols))
                                 for _r in range(n_rows)),
                     row_totals=tuple(_HIDDEN_CELL for _r in range(n_rows)),
                     col_totals=tuple(_HIDDEN_CELL for _c in range(n_cols)),
                     total=total, k=k, withheld=True)


def _hide_one_more(rows: list[list[int]], state: dict[tuple[int, int], State],
                   row_shown: list[bool], col_shown: list[bool], r: int, c: int
                   ) -> tuple[str, int] | None:
    """Cell (r, c) can be worked out: in the line through it (its row or column, of those
    whose total is shown) that hides the fewest cells – the one that gives it away – hide
    the smallest non-zero count (a hidden 0 adds no doubt when the rest is small), or,
    with none left, that line's total. The line acted on; None when no line through it
    shows its total."""
    n_rows, n_cols = len(rows), len(rows[0])
    lines: list[tuple[int, str, list[tuple[int, int]]]] = []
    if row_shown[r]:
        members = [(r, j) for j in range(n_cols)]
        lines.append((sum(state[p] != "shown" for p in members), "row", members))
    if col_shown[c]:
        members = [(i, c) for i in range(n_rows)]
        lines.append((sum(state[p] != "shown" for p in members), "col", members))
    if not lines:
        return None
    _hidden, kind, members = min(lines, key=lambda line: line[0])
    candidates = [(rows[i][j], (i, j)) for i, j in members
                  if state[i, j] == "shown" and rows[i][j] > 0]
    if candidates:
        state[min(candidates)[1]] = "hidden"
    elif kind == "row":
        row_shown[r] = False
    else:
        col_shown[c] = False
    return (kind, r if kind == "row" else c)


def _last_resort(rows: list[list[int]], state: dict[tuple[int, int], State],
                 row_shown: list[bool], col_shown: list[bool], grand_shown: list[bool],
                 known_total: bool) -> None:
    """No line through a given-away cell shows its total, yet the other totals together
    still give it away (the grand total minus the other rows): the grand total goes –
    unless it is known from elsewhere –, else the smallest row or column total still
    shown over a suppressed cell, else the smallest non-zero count still shown; ``_Stuck``
    with none left."""
    if grand_shown[0] and not known_total:
        grand_shown[0] = False
        return
    # a line that hides nothing adds nothing by its total: hiding it would not help
    n_rows, n_cols = len(rows), len(rows[0])
    totals = [(sum(rows[r]), 0, r) for r in range(n_rows) if row_shown[r]
              and any(state[r, c] != "shown" for c in range(n_cols))]
    totals += [(sum(row[c] for row in rows), 1, c) for c in range(n_cols) if col_shown[c]
               and any(state[r, c] != "shown" for r in range(n_rows))]
    if totals:
        _total, kind, i = min(totals)
        (col_shown if kind else row_shown)[i] = False
        return
    anywhere = [(v, p) for p, v in ((p, rows[p[0]][p[1]]) for p in state)
                if state[p] == "shown" and v > 0]
    if not anywhere:
        raise _Stuck
    state[min(anywhere)[1]] = "hidden"


def _pinned(rows: list[list[int]], state: dict[tuple[int, int], State], row_shown: list[bool],
            col_shown: list[bool], grand_shown: bool, k: int) -> set[tuple[int, int]] | None:
    """The suppressed cells a reader might work out from what is shown. A cell is let go
    only when a second filling of the table that agrees with everything shown, with that
    cell different, is found; when the search for it runs out of budget the cell counts as
    worked out (so a hard table gets more suppression, never less). ``None`` when the
    whole table runs out of budget."""
    suppressed = sorted(p for p, s in state.items() if s != "shown")
    if not suppressed:
        return set()
    n_rows, n_cols = len(rows), len(rows[0])
    lines: list[tuple[list[tuple[int, int]], int]] = []
    for r in range(n_rows):
        if row_shown[r]:
            lines.append(([(r, c) for c in range(n_cols)], sum(rows[r])))
    for c in range(n_cols):
        if col_shown[c]:
            lines.append(([(r, c) for r in range(n_rows)], sum(rows[r][c] for r in range(n_rows))))
    if grand_shown:
        lines.append(([(r, c) for r in range(n_rows) for c in range(n_cols)], sum(map(sum, rows))))
    # every shown total bounds the sum of the suppressed cells of its line: exactly, or
    # to 1..k-1 when the total itself is shown as "<k"
    index = {p: i for i, p in enumerate(suppressed)}
    equations: list[_Equation] = []
    for members, total in lines:
        unknown = [index[p] for p in members if p in index]
        if unknown:
            known = sum(rows[p[0]][p[1]] for p in members if p not in index)
            lo, hi = (1, k - 1) if 0 < total < k else (total, total)
            equations.append((unknown, lo - known, hi - known))
    n = len(suppressed)
    is_small = [state[p] == "small" for p in suppressed]
    truth = [rows[p[0]][p[1]] for p in suppressed]
    member_of: list[list[int]] = [[] for _ in range(n)]
    bound = [math.inf] * n
    for e, (unknown, _lo, hi) in enumerate(equations):
        for v in unknown:
            member_of[v].append(e)
            bound[v] = min(bound[v], hi)
    budget = _BUDGET
    pinned: set[tuple[int, int]] = set()
    for target in range(n):
        if not member_of[target]:
            continue  # in no shown total: anything its marker allows
        found, spent = _another_filling(target, equations, member_of, is_small, truth,
                                        bound, k, budget)
        budget -= spent
        if budget <= 0:
            return None
        if not found:
            pinned.add(suppressed[target])
    return pinned


def _another_filling(target: int, equations: list[_Equation],
                     member_of: list[list[int]], is_small: list[bool], truth: list[int],
                     bound: list[float], k: int, budget: int) -> tuple[bool, int]:
    """(whether the suppressed cells can be filled to agree with every equation with
    ``target`` other than its true value, the search steps spent)."""
    involved = {target}
    grow = [target]
    while grow:  # only the cells linked to the target through the equations matter
        for e in member_of[grow.pop()]:
            for v in equations[e][0]:
                if v not in involved:
                    involved.add(v)
                    grow.append(v)
    search = _Search(equations, member_of, is_small, k, budget)
    order = [target, *sorted(involved - {target})]
    choices = []
    for v in order:
        top = bound[v]
        values = (list(range(1, int(min(k - 1, top)) + 1)) if is_small[v]
                  else [0, *range(k, int(top) + 1)])
        if v == target:
            values = [x for x in values if x != truth[v]]
        # the true value first: a filling near the truth is found soonest
        choices.append(_nearest_first(values, truth[v]))
    found = search.run(order, choices)
    return found, search.steps


def _nearest_first(values: list[int], truth: int) -> list[int]:
    return sorted(values, key=lambda x: abs(x - truth))


class _Search:
    """A depth-first search for one filling of the suppressed cells that makes every
    equation add up (each ``<k`` takes 1..k-1, each ``x`` 0 or k and more)."""

    def __init__(self, equations: list[_Equation], member_of: list[list[int]],
                 is_small: list[bool], k: int, budget: int) -> None:
        self.member_of = member_of
        self.is_small = is_small
        self.k = k
        self.budget = budget
        self.steps = 0
        #: what the unassigned cells of each equation must still add up to, at least/most
        self.low = [lo for _unknown, lo, _hi in equations]
        self.high = [hi for _unknown, _lo, hi in equations]
        self.open_small = [sum(1 for v in unknown if is_small[v])
                           for unknown, _lo, _hi in equations]
        self.open_hidden = [len(eq[0]) - n for eq, n in
                            zip(equations, self.open_small, strict=True)]

    def _fits(self, e: int) -> bool:
        if self.high[e] < self.open_small[e]:
            return False
        return self.open_hidden[e] > 0 or self.low[e] <= (self.k - 1) * self.open_small[e]

    def _assign(self, v: int, x: int, sign: int) -> None:
        for e in self.member_of[v]:
            self.low[e] -= sign * x
            self.high[e] -= sign * x
            if self.is_small[v]:
                self.open_small[e] -= sign
            else:
                self.open_hidden[e] -= sign

    def _candidates(self, v: int, choices: list[int]) -> list[int]:
        """The values left for ``v``: at least what an equation it closes still lacks, and
        never more than an equation's rest leaves room for."""
        floor = -math.inf
        cap = math.inf
        for e in self.member_of[v]:
            others_small = self.open_small[e] - self.is_small[v]
            others = others_small + self.open_hidden[e] - (not self.is_small[v])
            if others == 0:
                floor = max(floor, self.low[e])
            cap = min(cap, self.high[e] - others_small)
        return [x for x in choices if floor <= x <= cap]

    def run(self, order: list[int], choices: list[list[int]], j: int = 0) -> bool:
        self.steps += 1
        if self.steps > self.budget:
            return False
        if j == len(order):
            eqs = {e for v in order for e in self.member_of[v]}
            return all(self.low[e] <= 0 <= self.high[e] for e in eqs)
        v = order[j]
        for x in self._candidates(v, choices[j]):
            self._assign(v, x, 1)
            ok = (all(self._fits(e) for e in self.member_of[v])
                  and self.run(order, choices, j + 1))
            self._assign(v, x, -1)
            if ok:
                return True
            if self.steps > self.budget:
                return False
        return False


def change(current: Cell, previous: Cell) -> str:
    """The change from the previous period, shown only where both counts are shown (a
    difference with one side suppressed would give that side away)."""
    if current.value is None or previous.value is None:
        return HIDDEN
    diff = current.value - previous.value
    return f"+{diff}" if diff > 0 else str(diff)


def percent(part: Cell, base: int, k: int = DEFAULT_K) -> str:
    """``part`` as a percentage of ``base`` people: shown on k people or more, and never
    for a suppressed count."""
    _check_k(k)
    if part.value is None or base < k:
        return HIDDEN
    return f"{round(100 * part.value / base)}%"


def _quantile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def _number(x: float) -> str:
    return str(round(x)) if abs(x - round(x)) < 1e-9 else f"{x:.1f}"


def percentile(values: Sequence[float], q: float, k: int = DEFAULT_K) -> str:
    """The ``q`` quantile (0..1, linear between the nearest ranks) of one figure per
    person: shown on k people or more (a median of three stays is almost one of them)."""
    _check_k(k)
    if not 0 <= q <= 1:
        raise ValueError("q is between 0 and 1")
    if len(values) < k:
        return HIDDEN
    return _number(_quantile(values, q))


def median(values: Sequence[float], k: int = DEFAULT_K) -> str:
    return percentile(values, 0.5, k)
