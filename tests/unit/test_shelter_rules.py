"""Occupancy rules of the places board as plain tests with frozen dates: no double booking,
places out of use, planned versus actual stays, the board and the week's movements."""

from __future__ import annotations

from datetime import date

from rc_tui.domain.shelter import (
    Booking,
    OutOfUse,
    Place,
    board,
    booking_problems,
    free_places,
    holds,
    movements,
)

D = date(2026, 11, 20)
ROOM1 = Place(1, "shelter", "Rum 1 säng A")
ROOM2 = Place(2, "shelter", "Rum 2 säng A",
              (OutOfUse(date(2026, 11, 25), date(2026, 12, 2), "vattenskada"),))
FLAT = Place(3, "perpetrator_housing", "Lägenheten plats 1")


def test_no_double_booking() -> None:
    stay = Booking(1, 1, D, expected_end=date(2026, 12, 10))
    assert booking_problems(Booking(2, 1, date(2026, 12, 1)), ROOM1, [stay])
    # the day she is expected to leave the bed is free again (half-open interval)
    assert booking_problems(Booking(2, 1, date(2026, 12, 10)), ROOM1, [stay]) == []
    # an open-ended stay holds the place until she departs
    open_stay = Booking(1, 1, D)
    assert booking_problems(Booking(2, 1, date(2027, 6, 1)), ROOM1, [open_stay])
    left = Booking(1, 1, D, departed=date(2026, 11, 23))
    assert booking_problems(Booking(2, 1, date(2026, 11, 23)), ROOM1, [left]) == []
    # a planned arrival holds the bed like an actual stay
    planned = Booking(1, 1, date(2026, 11, 28), expected_end=date(2026, 12, 5), arrived=False)
    assert booking_problems(Booking(2, 1, date(2026, 11, 27),
                                    expected_end=date(2026, 11, 29)), ROOM1, [planned])
    # another place is another place
    assert booking_problems(Booking(2, 2, D, expected_end=date(2026, 11, 22)), ROOM2,
                            [stay]) == []


def test_dates_and_places_out_of_use() -> None:
    assert booking_problems(Booking(1, 1, D, expected_end=D), ROOM1, [])
    assert booking_problems(Booking(1, 2, date(2026, 11, 24), expected_end=date(2026, 11, 26)),
                            ROOM2, [])  # runs into the repairs
    assert booking_problems(Booking(1, 2, date(2026, 11, 20), expected_end=date(2026, 11, 25)),
                            ROOM2, []) == []  # leaves the day the repairs start
    assert booking_problems(Booking(1, 2, date(2026, 12, 2)), ROOM2, []) == []
    assert booking_problems(Booking(1, 2, date(2026, 11, 20)), ROOM2, [])  # open-ended
    assert booking_problems(Booking(1, 1, D), ROOM2, [])  # another place's booking


def test_board_planned_versus_actual() -> None:
    bookings = [Booking(1, 1, D, expected_end=date(2026, 12, 1)),
                Booking(2, 3, date(2026, 11, 22), arrived=False)]
    rows = {r.place.id: r for r in board([ROOM1, ROOM2, FLAT], bookings, D)}
    assert rows[1].state == "occupied"
    assert rows[2].state == "free"
    assert rows[3].state == "free" and rows[3].next_arrival == bookings[1]
    assert free_places(list(rows.values()), "shelter") == 1
    later = {r.place.id: r for r in board([ROOM1, ROOM2, FLAT], bookings, date(2026, 11, 26))}
    assert later[2].state == "out_of_use" and later[3].state == "planned"
    assert holds(bookings[0], date(2026, 11, 30)) and not holds(bookings[0], date(2026, 12, 1))


def test_movements_this_week() -> None:
    bookings = [Booking(1, 1, date(2026, 11, 1), expected_end=date(2026, 11, 24)),
                Booking(2, 2, date(2026, 11, 23), arrived=False),
                Booking(3, 3, date(2026, 12, 15), arrived=False),
                Booking(4, 3, date(2026, 11, 1), expected_end=date(2026, 11, 21),
                        departed=date(2026, 11, 19))]
    arrivals, departures = movements(bookings, D)
    assert [b.id for b in arrivals] == [2] and [b.id for b in departures] == [1]
