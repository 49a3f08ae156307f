"""Money as integers in a currency's minor unit: currencies, display, and tax on a line.

Nothing here touches the database or floats: amounts are ints, rates are parts per
million (ten-thousandths of a percent), and every division is done on Decimal and rounded
half-up once, per line.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation, localcontext

from ..errors import RuleViolation

PPM_PER_PERCENT = 10_000
MAX_RATE_PPM = 100 * PPM_PER_PERCENT

# ISO 4217 codes of the currencies in circulation, by exponent: 10 ** exponent minor units
# make one major unit (yen have none, dinars of Kuwait a thousand fils).
_CODES_BY_EXPONENT = {
    0: "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF",
    2: """
        AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN
        BWP BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB
        EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS
        KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN
        MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD
        SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS
        UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR ZMW ZWG
    """,
    3: "BHD IQD JOD KWD LYD OMR TND",
    4: "CLF UYW",
}
EXPONENTS: dict[str, int] = {
    code: places for places, codes in _CODES_BY_EXPONENT.items() for code in codes.split()
}

# Enough digits that a quotient of two amounts is never rounded before the final rounding.
_EXACT = Context(prec=60)


def exponent(currency: str) -> int:
    """How many decimal places the currency's amounts are shown with (JPY 0, EUR 2, KWD 3)."""
    return EXPONENTS[currency]


def require_currency(currency: str, field: str = "currency") -> str:
    """The code, if ISO 4217 knows it as a currency in circulation; RuleViolation otherwise."""
    if currency not in EXPONENTS:
        raise RuleViolation(
            f"{field}: '{currency}' is not an ISO 4217 currency code in circulation.",
            code="unknown_currency",
            details={field: "unknown ISO 4217 currency"},
        )
    return currency


def format_amount(amount: int, currency: str) -> str:
    """``123456`` EUR as ``1,234.56 EUR``; ``1500`` JPY as ``1,500 JPY``."""
    places = exponent(currency)
    major = Decimal(amount).scaleb(-places)
    return f"{major:,.{places}f} {currency}"


# Rates


def rate_ppm(percent) -> int:
    """A percentage from JSON (7.7, 19, "8.875") in parts per million, if it has ≤ 4 decimals.

    A float is read through its shortest representation, so 7.7 is exactly 7.7.
    """
    try:
        value = Decimal(str(percent))
    except InvalidOperation:
        value = Decimal("NaN")
    scaled = value * PPM_PER_PERCENT if value.is_finite() else value
    if not scaled.is_finite() or scaled != scaled.to_integral_value():
        raise RuleViolation(
            "ratePercent may have at most four decimal places.",
            code="invalid_rate",
            details={"ratePercent": "at most four decimal places"},
        )
    ppm = int(scaled)
    if not 0 <= ppm <= MAX_RATE_PPM:
        raise RuleViolation(
            "ratePercent must lie between 0 and 100.",
            code="invalid_rate",
            details={"ratePercent": "between 0 and 100"},
        )
    return ppm


def percent(ppm: int) -> int | float:
    """Parts per million as the percentage JSON shows: 77000 → 7.7, 190000 → 19."""
    value = Decimal(ppm).scaleb(-4)
    return int(value) if value == value.to_integral_value() else float(value)


def format_percent(ppm: int) -> str:
    """77000 as ``7.7%``, 190000 as ``19%``."""
    return f"{Decimal(ppm).scaleb(-4).normalize():f}%"


# Lines


@dataclass(frozen=True)
class AppliedTax:
    """A tax as it stood when a line was computed."""

    id: str | None
    name: str
    rate_ppm: int
    inclusive: bool


@dataclass(frozen=True)
class LineAmounts:
    amount: int
    tax: int

    def total(self, inclusive: bool) -> int:
        """What the line adds to the invoice's total: its tax is in its amount, or on top."""
        return self.amount if inclusive else self.amount + self.tax


def _half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def line_tax(amount: int, rate: int, *, inclusive: bool) -> int:
    """The tax on one line, rounded half-up to a minor unit.

    Exclusive: ``amount * rate`` comes on top. Inclusive: the amount already contains it,
    and the tax is ``amount - amount / (1 + rate)``.
    """
    with localcontext(_EXACT):
        share = Decimal(rate) / (PPM_PER_PERCENT * 100)
        if inclusive:
            return _half_up(amount - amount / (1 + share))
        return _half_up(amount * share)


def line_amounts(quantity: int, unit_amount: int, tax: AppliedTax | None) -> LineAmounts:
    amount = quantity * unit_amount
    if tax is None:
        return LineAmounts(amount, 0)
    return LineAmounts(amount, line_tax(amount, tax.rate_ppm, inclusive=tax.inclusive))


@dataclass(frozen=True)
class Totals:
    """``subtotal``: the lines' amounts as entered (inclusive ones with their tax in them);
    ``tax``: every line's tax; ``total``: the subtotal plus the taxes that come on top."""

    subtotal: int
    tax: int
    total: int


def totals(lines: list[tuple[LineAmounts, AppliedTax | None]]) -> Totals:
    subtotal = sum(amounts.amount for amounts, _ in lines)
    tax = sum(amounts.tax for amounts, _ in lines)
    total = sum(amounts.total(bool(applied and applied.inclusive)) for amounts, applied in lines)
    return Totals(subtotal=subtotal, tax=tax, total=total)
