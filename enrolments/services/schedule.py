"""The legal payment schedule of a self-funded individual (L6353-5 and L6353-6), as a pure function.

Nothing is due before the withdrawal period ends. Then at most ``deposit_percent``
of the price, and the balance spread over the course while it runs: one charge
at the start for a course shorter than ``single_charge_max_days``, otherwise up
to ``max_balance_instalments`` charges evenly spaced between start and end.
A charge never falls before the day after the withdrawal period.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class PlannedInstalment:
    number: int
    due_on: dt.date
    amount: Decimal
    is_deposit: bool = False


def plan_instalments(
    *,
    total: Decimal,
    withdrawal_ends_on: dt.date,
    starts_on: dt.date,
    ends_on: dt.date,
    deposit_percent: int = 30,
    max_balance_instalments: int = 3,
    single_charge_max_days: int = 30,
) -> list[PlannedInstalment]:
    """Split ``total`` into dated charges; the amounts always add up to ``total`` exactly."""
    if total <= 0:
        return []
    first_day = withdrawal_ends_on + dt.timedelta(days=1)
    deposit = (total * Decimal(deposit_percent) / 100).quantize(CENT, ROUND_DOWN)
    balance = total - deposit

    length_days = (ends_on - starts_on).days
    if length_days < single_charge_max_days or max_balance_instalments <= 1:
        balance_dates = [starts_on]
    else:
        count = min(max_balance_instalments, max(1, -(-length_days // 30)))
        step = length_days / count
        balance_dates = [starts_on + dt.timedelta(days=round(step * k)) for k in range(count)]

    plan: list[PlannedInstalment] = []
    if deposit > 0:
        plan.append(PlannedInstalment(number=1, due_on=first_day, amount=deposit, is_deposit=True))
    share = (balance / len(balance_dates)).quantize(CENT, ROUND_DOWN)
    for index, due_on in enumerate(balance_dates):
        last = index == len(balance_dates) - 1
        amount = balance - share * (len(balance_dates) - 1) if last else share
        if amount > 0:
            plan.append(PlannedInstalment(number=len(plan) + 1, due_on=max(due_on, first_day), amount=amount))
    return plan


def refund_share(*, days_before_start: int, terms: list[tuple[int, int]]) -> int:
    """The share of what was paid that a cancellation refunds, in percent.

    ``terms`` is a list of (days before the start, percent refunded), most
    generous first; the first line whose days are reached applies.
    """
    for min_days, percent in terms:
        if days_before_start >= min_days:
            return percent
    return 0
