"""The legal payment schedule (L6353-6) and the cancellation terms, as pure functions."""

import datetime as dt
from decimal import Decimal

import pytest

from enrolments.services.schedule import plan_instalments, refund_share

D = dt.date


WITHDRAWAL_ENDS, STARTS, ENDS = D(2027, 1, 11), D(2027, 2, 1), D(2027, 2, 2)


def plan(total="900.00", withdrawal_ends_on=WITHDRAWAL_ENDS, starts_on=STARTS, ends_on=ENDS, **kw):
    return plan_instalments(
        total=Decimal(total), withdrawal_ends_on=withdrawal_ends_on, starts_on=starts_on, ends_on=ends_on, **kw
    )


def test_short_course_is_a_30_percent_deposit_after_withdrawal_then_the_balance_at_the_start():
    result = plan()
    assert [(p.due_on, p.amount, p.is_deposit) for p in result] == [
        (D(2027, 1, 12), Decimal("270.00"), True),
        (D(2027, 2, 1), Decimal("630.00"), False),
    ]


def test_nothing_is_due_before_the_withdrawal_period_ends_even_for_a_course_starting_earlier():
    result = plan(withdrawal_ends_on=D(2027, 2, 5), starts_on=D(2027, 2, 1), ends_on=D(2027, 2, 2))
    assert all(p.due_on > D(2027, 2, 5) for p in result)
    assert sum(p.amount for p in result) == Decimal("900.00")


def test_long_course_spreads_the_balance_over_the_run():
    result = plan(total="2000.00", starts_on=D(2027, 2, 1), ends_on=D(2027, 5, 1), max_balance_instalments=3)
    deposit, *balance = result
    assert deposit.amount == Decimal("600.00")
    assert [p.due_on for p in balance] == [D(2027, 2, 1), D(2027, 3, 3), D(2027, 4, 1)]
    assert all(D(2027, 2, 1) <= p.due_on < D(2027, 5, 1) for p in balance)
    assert sum(p.amount for p in result) == Decimal("2000.00")
    assert [p.number for p in result] == [1, 2, 3, 4]


@pytest.mark.parametrize("total", ["0.01", "1.00", "333.33", "999.99", "1234.57"])
def test_amounts_always_add_up_and_the_deposit_never_exceeds_30_percent(total):
    result = plan(total=total, starts_on=D(2027, 2, 1), ends_on=D(2027, 6, 1))
    assert sum(p.amount for p in result) == Decimal(total)
    deposits = [p for p in result if p.is_deposit]
    assert sum(p.amount for p in deposits) <= Decimal(total) * Decimal("0.30")
    assert all(p.amount > 0 for p in result)


def test_a_free_order_has_no_schedule():
    assert plan(total="0") == []


@pytest.mark.parametrize(("days", "percent"), [(30, 100), (14, 100), (13, 50), (7, 50), (6, 0), (0, 0)])
def test_cancellation_terms(days, percent):
    assert refund_share(days_before_start=days, terms=[(14, 100), (7, 50), (0, 0)]) == percent
