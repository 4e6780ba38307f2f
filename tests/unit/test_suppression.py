"""Small-cell suppression: hand-made tables with known results, and a reader who tries to
recover every suppressed cell from what is shown (totals, other cells, the previous period
and the change beside it) – and must fail."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rc_tui.domain import suppression
from rc_tui.domain.suppression import (
    HIDDEN,
    Cell,
    Protected,
    change,
    median,
    percent,
    percentile,
    protect_counts,
    protect_table,
)


def texts(p: Protected) -> list[list[str]]:
    return [[c.text for c in row] for row in p.cells]


def test_counts_of_k_or_more_and_zero_are_shown_as_they_are() -> None:
    p = protect_table([[5, 0, 12], [7, 9, 0]])
    assert texts(p) == [["5", "0", "12"], ["7", "9", "0"]]
    assert [c.text for c in p.row_totals] == ["17", "16"]
    assert [c.text for c in p.col_totals] == ["12", "9", "12"]
    assert p.total.text == "33"


def test_one_small_count_in_a_row_takes_a_second_cell_with_it() -> None:
    # 3 alone would be 20 - 17; the smallest other count (5) is hidden with it
    p = protect_counts([3, 5, 12])
    assert texts(p) == [["<5", "x", "12"]]
    assert p.total.text == "20"
    assert p.cells[0][1].state == "hidden" and p.cells[0][0].state == "small"


def test_two_small_counts_whose_sum_pins_both_are_not_enough() -> None:
    # 1 + 1 = 2 can only be 1 and 1: a third cell goes
    p = protect_counts([1, 1, 8, 20])
    assert texts(p) == [["<5", "<5", "x", "20"]]
    # 2 + 3 = 5 could be 1+4, 2+3, 3+2, 4+1: nothing more to hide
    assert texts(protect_counts([2, 3, 8, 20])) == [["<5", "<5", "8", "20"]]


def test_two_by_two_table_with_one_small_cell() -> None:
    p = protect_table([[2, 10], [6, 20]])
    # the small cell's row and column both give it away: a cross of four is hidden
    assert texts(p) == [["<5", "x"], ["x", "x"]] or all(
        c.state != "shown" for row in p.cells for c in row[:1])
    assert recover(p) == {}


def test_a_line_with_nothing_left_to_hide_loses_its_total() -> None:
    # a one-column table: the column total alone would give the 2 away
    p = protect_table([[2], [30]])
    assert texts(p) == [["<5"], ["x"]] or p.col_totals[0].text == HIDDEN
    assert recover(p) == {}


def test_a_small_total_is_small_too() -> None:
    p = protect_counts([2, 0, 1])
    assert texts(p) == [["<5", "0", "<5"]] and p.total.text == "<5"
    assert recover(p) == {}
    # four small cells under a total of "<5" can only be 1 each: more is hidden
    p = protect_table([[1, 1], [1, 1]])
    assert recover(p) == {} and p.total.text in ("<5", "x")


def test_a_total_known_from_another_table_is_never_hidden() -> None:
    # the victims' count is shown in each table of victims: it stays, and when it would
    # still give a cell away the table is withheld
    p = protect_counts([7, 3, 20], known_total=True)
    assert texts(p) == [["x", "<5", "20"]] and p.total.text == "30"
    p = protect_counts([1, 5], known_total=True)
    assert p.withheld and texts(p) == [["x", "x"]] and p.total.text == "6"
    p = protect_counts([2, 1, 0], known_total=True)
    assert p.withheld and p.total.text == "<5"
    # no totals at all: only the small counts go
    p = protect_counts([2, 7, 9], totals=False)
    assert texts(p) == [["<5", "7", "9"]] and p.total.text == HIDDEN


def test_when_no_line_through_a_cell_is_left_other_totals_go() -> None:
    """The demo's victims of one year: the second row's four ones sum to a total of "<5"
    (so each is 1); hiding that total leaves it as the known 19 minus the first row –
    so the first row's total goes too, and the cells stay."""
    rows = [[0, 0, 1, 4, 0, 5, 2, 3], [0, 0, 0, 1, 1, 1, 1, 0], [0] * 8, [0] * 8]
    p = protect_table(rows, known_total=True)
    assert not p.withheld and p.total.text == "19"
    assert texts(p)[:2] == [["0", "0", "<5", "<5", "0", "x", "<5", "<5"],
                            ["0", "0", "0", "<5", "<5", "<5", "<5", "0"]]
    # what is left to solve: nine suppressed cells adding up to 19 – too many for the
    # reader's brute force here; the property test solves such tables when small
    assert [t.text for t in p.row_totals] == ["x", "x", "0", "0"]
    assert [t.text for t in p.col_totals] == ["0", "0", "x", "x", "x", "x", "x", "x"]


def test_the_previous_period_and_the_change() -> None:
    now, before = protect_counts([7, 3, 20]), protect_counts([6, 9, 20])
    assert [change(a, b) for a, b in zip(now.cells[0], before.cells[0], strict=True)] == [
        "x", "x", "0"]
    assert change(now.total, before.total) == "-5"
    assert change(Cell("9", 9), Cell("5", 5)) == "+4"


def test_k_comes_from_the_caller_and_cannot_be_below_three() -> None:
    assert texts(protect_counts([9, 20], k=10)) == [["<10", "x"]]
    with pytest.raises(ValueError):
        protect_counts([1, 2], k=2)
    with pytest.raises(ValueError):
        protect_table([[1, 2], [3]])
    with pytest.raises(ValueError):
        protect_table([[-1, 2]])


def test_percentages_and_medians_need_k_people() -> None:
    assert percent(Cell("6", 6), 12) == "50%"
    assert percent(Cell("<5", None, "small"), 12) == HIDDEN
    assert percent(Cell("4", 4), 4, k=3) == "100%"
    assert percent(Cell("2", 2), 4) == HIDDEN
    assert median([3, 9, 1, 4]) == HIDDEN
    assert median([3, 9, 1, 4, 10]) == "4"
    assert median([1, 2, 3, 4, 5, 6]) == "3.5"
    assert percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9) == "91"
    with pytest.raises(ValueError):
        percentile([1, 2, 3, 4, 5], 1.5)


# ---------------------------------------------------------------- the reader


def _domain(p: Protected, r: int, c: int) -> list[int]:
    """What a suppressed cell can be for a reader who knows the rule: ``<k`` is 1..k-1,
    ``x`` is 0 or k and more – up to the smallest shown total it is part of (every count
    is >= 0), or, in no shown total, up to any count the test draws (it is free then)."""
    cell, k = p.cells[r][c], p.k
    if cell.state == "small":
        return list(range(1, k))
    totals = [t.value for t in (p.row_totals[r], p.col_totals[c], p.total)
              if t.value is not None and t is not cell]
    return [0, *range(k, min(totals) + 1)] if totals else [0, *range(k, CAP + 1)]


def solutions(p: Protected) -> list[dict[tuple[int, int], int]]:
    """Every filling of the suppressed cells that agrees with everything shown."""
    k = p.k
    holes = [(r, c) for r, row in enumerate(p.cells) for c, cell in enumerate(row)
             if not cell.shown]
    n_rows, n_cols = len(p.cells), len(p.cells[0])
    found = []
    for values in itertools.product(*(_domain(p, r, c) for r, c in holes)):
        fill = dict(zip(holes, values, strict=True))

        def at(r: int, c: int, fill: dict[tuple[int, int], int] = fill) -> int:
            v = p.cells[r][c].value
            return fill[r, c] if v is None else v

        def agrees(t: Cell, total: int) -> bool:
            if t.state == "small":  # a total of 1..k-1 shown as "<k"
                return 0 < total < k
            return t.value is None or t.value == total

        ok = all(agrees(t, sum(at(r, c) for c in range(n_cols)))
                 for r, t in enumerate(p.row_totals))
        ok = ok and all(agrees(t, sum(at(r, c) for r in range(n_rows)))
                        for c, t in enumerate(p.col_totals))
        ok = ok and agrees(p.total, sum(at(r, c) for r in range(n_rows) for c in range(n_cols)))
        if ok:
            found.append(fill)
    return found


def recover(p: Protected) -> dict[tuple[int, int], int]:
    """The suppressed cells the reader can pin down: cell -> its only possible value."""
    found = solutions(p)
    assert found, "the truth itself must be a solution"
    holes = found[0].keys()
    return {h: found[0][h] for h in holes if len({f[h] for f in found}) == 1}


def _search_size(p: Protected) -> int:
    size = 1
    for r, row in enumerate(p.cells):
        for c, cell in enumerate(row):
            if not cell.shown:
                size *= len(_domain(p, r, c))
    return size


CAP = 14
counts = st.one_of(st.integers(0, 6), st.integers(0, CAP))


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[list[int]], list[list[int]], int, bool, bool]:
    n_rows = draw(st.integers(1, 3))
    n_cols = draw(st.integers(1, 4))
    k = draw(st.sampled_from([3, 5]))

    def one() -> list[list[int]]:
        return [[draw(counts) for _ in range(n_cols)] for _ in range(n_rows)]

    known_total = draw(st.booleans())
    return one(), one(), k, known_total, not known_total and draw(st.booleans())


def assert_true_to(p: Protected, truth: list[list[int]], k: int) -> None:
    """What is shown is true, each marker says what it claims, and no count from 1 to
    k-1 is shown – not even as a total."""
    for t in (*p.row_totals, *p.col_totals, p.total):
        assert t.value is None or t.value == 0 or t.value >= k
    for r, row in enumerate(truth):
        for c, count in enumerate(row):
            cell = p.cells[r][c]
            assert cell.value in (None, count)
            if cell.state == "small":
                assert 0 < count < k
            if cell.state == "hidden" and not p.withheld:
                assert count == 0 or count >= k


@settings(max_examples=300, deadline=None)
@given(tables())
def test_no_suppressed_cell_can_be_recovered(
        drawn: tuple[list[list[int]], list[list[int]], int, bool, bool]) -> None:
    now_counts, before_counts, k, known_total, no_totals = drawn
    now, before = (protect_table(t, k, known_total=known_total, totals=not no_totals)
                   for t in (now_counts, before_counts))
    for p, truth in ((now, now_counts), (before, before_counts)):
        grand = sum(map(sum, truth))
        if known_total:  # the reader knows the total from elsewhere: it is always shown
            assert p.total.text == (f"<{k}" if 0 < grand < k else str(grand))
        if no_totals:
            assert p.total.text == HIDDEN or len(p.cells) == len(p.cells[0]) == 1
        if p.withheld:
            assert all(c.text == HIDDEN for row in p.cells for c in row)
    assume(not now.withheld and not before.withheld)
    assume(_search_size(now) <= 4_000 and _search_size(before) <= 4_000)
    now_fills, before_fills = solutions(now), solutions(before)
    # the change column links the periods cell by cell: keep the pairs that agree with it
    n_rows, n_cols = len(now_counts), len(now_counts[0])
    shown_change = {(r, c): change(now.cells[r][c], before.cells[r][c])
                    for r in range(n_rows) for c in range(n_cols)}

    def value(p: Protected, fill: dict[tuple[int, int], int], r: int, c: int) -> int:
        v = p.cells[r][c].value
        return fill[r, c] if v is None else v

    # a change shown beside a suppressed cell would tie the two periods' fillings together
    links = {rc: text for rc, text in shown_change.items() if text != HIDDEN
             and not (now.cells[rc[0]][rc[1]].shown and before.cells[rc[0]][rc[1]].shown)}
    if links:
        pairs = [(a, b) for a in now_fills for b in before_fills
                 if all(int(text) == value(now, a, r, c) - value(before, b, r, c)
                        for (r, c), text in links.items())]
        now_fills = [a for a, _b in pairs]
        before_fills = [b for _a, b in pairs]
    assert now_fills and before_fills
    for p, fills in ((now, now_fills), (before, before_fills)):
        for r in range(n_rows):
            for c in range(n_cols):
                if not p.cells[r][c].shown:
                    possible = {fill[r, c] for fill in fills}
                    assert len(possible) > 1, (r, c, possible, texts(p))
    for p, truth in ((now, now_counts), (before, before_counts)):
        assert_true_to(p, truth, k)


def test_a_table_too_large_to_solve_shows_only_totals_that_hide_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(suppression, "_BUDGET", 1)
    rows: Sequence[Sequence[int]] = [[3, 7, 1, 0, 12, 4], [0, 2, 9, 14, 1, 6], [8, 9, 5, 6, 7, 5]]
    p = protect_table(rows)
    assert [t.text for t in p.row_totals] == ["x", "x", "40"]
    assert [t.text for t in p.col_totals] == ["x", "x", "x", "20", "x", "x"]
    assert p.total.text == "x"
