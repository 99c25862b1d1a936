"""Prices are stated tax-inclusive or tax-exclusive, with VAT or the exemption."""

from decimal import Decimal

import pytest

from courses.models import PriceTier, PriceTierKind


@pytest.mark.parametrize(
    ("amount", "tax_included", "vat_exempt", "rate", "incl", "excl"),
    [
        ("1200.00", True, True, "20", "1200.00", "1200.00"),
        ("1200.00", False, True, "20", "1200.00", "1200.00"),
        ("1200.00", True, False, "20", "1200.00", "1000.00"),
        ("1000.00", False, False, "20", "1200.00", "1000.00"),
        ("99.99", False, False, "5.5", "105.49", "99.99"),
    ],
)
def test_amounts_with_and_without_tax(amount, tax_included, vat_exempt, rate, incl, excl):
    tier = PriceTier(
        kind=PriceTierKind.INDIVIDUAL,
        amount=Decimal(amount),
        tax_included=tax_included,
        vat_exempt=vat_exempt,
        vat_rate=Decimal(rate),
    )
    assert tier.amount_incl_tax == Decimal(incl)
    assert tier.amount_excl_tax == Decimal(excl)


def test_exempt_tier_has_zero_vat_rate():
    tier = PriceTier(kind=PriceTierKind.EMPLOYER, amount=Decimal("500"), vat_exempt=True, vat_rate=Decimal("20"))
    assert tier.effective_vat_rate == Decimal(0)
