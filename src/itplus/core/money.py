"""Chilean money rules: integer CLP, IVA and ILA tax splits, Ley 20.956 cash rounding.

Amounts are ``int`` pesos everywhere. ``Decimal`` appears only inside a calculation and
is rounded once, with a named rule, back to ``int``. Never ``float``.

The one tax rule, for every document (sales, credit notes, purchases, reports): taxes
are computed once per rate on the document's totals for that rate (never summed from
rounded lines), rounded half up, and the amount the document states is kept exactly:

- A document stated tax-included (boletas and the till's facturas, whose prices
  include IVA and ILA, and their credit notes) is split back: ``split_document`` /
  ``split_taxes`` give net = round(total / (1 + 19% + ILA rate)), ILA = round(net ×
  ILA rate), IVA = the rest, so the parts add up to the total to the peso.
- A document stated in net amounts (a supplier's factura, a purchase order) gets its
  taxes forward: ``taxes_on_net`` gives IVA = round(net × 19%), ILA = round(net × rate).

Both solve the same equation, total = net × (1 + 19% + ILA rate), for its unknown; an
IVA split back from a total is always within ``TAX_LINE_TOLERANCE_CLP`` (one peso) of
the IVA computed forward from that net, which is also the rounding a supplier's own
invoice may show on each tax line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

IVA_RATE = Decimal("0.19")

# Impuesto adicional a las bebidas alcohólicas, analcohólicas y similares (ILA),
# DL 825 art. 42. The price stays tax-included; each line stores net, IVA and ILA.
ILA_RATES: dict[str, Decimal] = {
    "": Decimal("0"),
    "ila_10": Decimal("0.10"),  # non-alcoholic drinks, low sugar
    "ila_18": Decimal("0.18"),  # non-alcoholic drinks, high sugar (> 15 g / 240 ml)
    "ila_205": Decimal("0.205"),  # wine, beer, cider
    "ila_315": Decimal("0.315"),  # spirits (pisco, whisky, vodka…)
}


# A document's tax line (IVA, each ILA rate) may differ from the rule's amount by this
# much: the rounding of whoever computed it (a supplier's system, a split back from a
# tax-included total). Measured over every total up to $200.000: never more than 1.
TAX_LINE_TOLERANCE_CLP = 1


def round_clp(value: Decimal) -> int:
    """Round a peso amount half up (0.5 → 1), the rule the SII uses for totals."""
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def round_cash(amount_clp: int) -> int:
    """Ley 20.956: the cash amount to pay is rounded to a multiple of 10.

    Last digit 1–5 rounds down, 6–9 rounds up (1.235 → 1.230, 1.236 → 1.240).
    Only the part paid in cash is rounded; electronic payments are exact.
    """
    if amount_clp < 0:
        return -round_cash(-amount_clp)
    last = amount_clp % 10
    return amount_clp - last if last <= 5 else amount_clp + (10 - last)


@dataclass(frozen=True, slots=True)
class TaxSplit:
    net_clp: int
    iva_clp: int
    ila_clp: int
    exempt_clp: int = 0

    @property
    def total_clp(self) -> int:
        return self.net_clp + self.iva_clp + self.ila_clp + self.exempt_clp

    def __add__(self, other: TaxSplit) -> TaxSplit:
        return TaxSplit(
            self.net_clp + other.net_clp,
            self.iva_clp + other.iva_clp,
            self.ila_clp + other.ila_clp,
            self.exempt_clp + other.exempt_clp,
        )


ZERO_SPLIT = TaxSplit(0, 0, 0, 0)


def split_taxes(total_clp: int, *, exempt: bool = False, ila_code: str = "") -> TaxSplit:
    """Split a tax-included amount into net, IVA and ILA.

    IVA only: net = round(total / 1.19), IVA = total − net.
    With ILA: net = round(total / (1.19 + ILA rate)), ILA = round(net × rate),
    IVA = total − net − ILA (so the three always add up to the total, to the peso).
    """
    if exempt:
        return TaxSplit(0, 0, 0, total_clp)
    ila_rate = ILA_RATES[ila_code]
    net = round_clp(Decimal(total_clp) / (1 + IVA_RATE + ila_rate))
    ila = round_clp(Decimal(net) * ila_rate)
    return TaxSplit(net, total_clp - net - ila, ila, 0)


def tax_key(*, exempt: bool, ila_code: str) -> str:
    return "exento" if exempt else (ila_code or "iva")


def split_document(groups: Iterable[tuple[str, int]]) -> TaxSplit:
    """Taxes of a whole document, computed on its totals per rate (not summed per line).

    ``groups`` yields (tax_key, tax-included total) pairs; amounts with the same key are
    added before splitting, as the SII computes a boleta's IVA on its total.
    """
    totals: dict[str, int] = {}
    for key, amount in groups:
        totals[key] = totals.get(key, 0) + amount
    result = ZERO_SPLIT
    for key, amount in sorted(totals.items()):
        if key == "exento":
            result += split_taxes(amount, exempt=True)
        else:
            result += split_taxes(amount, ila_code="" if key == "iva" else key)
    return result


def ila_on_net(groups: Iterable[tuple[str, int]]) -> dict[str, int]:
    """ILA per rate of a document stated in net amounts: round(net of the rate × rate).

    ``groups`` yields (tax_key, net) pairs as ``tax_key`` names them; only ILA keys
    ("ila_205", "ila_315"…) count. Rates with no net are left out.
    """
    nets: dict[str, int] = {}
    for key, net in groups:
        if key in ILA_RATES and key:
            nets[key] = nets.get(key, 0) + net
    return {key: round_clp(Decimal(net) * ILA_RATES[key]) for key, net in sorted(nets.items())}


def taxes_on_net(groups: Iterable[tuple[str, int]]) -> TaxSplit:
    """Taxes of a whole document stated in net amounts (supplier invoices, orders).

    ``groups`` yields (tax_key, net) pairs. Exempt amounts stay exempt; every other
    amount is net subject to IVA, IVA = round(net × 19%) on the document's net once,
    and each ILA rate's tax = round(net of that rate × rate) (``ila_on_net``).
    """
    groups = list(groups)
    exempt = sum(amount for key, amount in groups if key == "exento")
    net = sum(amount for key, amount in groups if key != "exento")
    ila = sum(ila_on_net(groups).values())
    return TaxSplit(net, round_clp(Decimal(net) * IVA_RATE), ila, exempt)


def prorate(amount_clp: int, weights: list[int]) -> list[int]:
    """Distribute ``amount_clp`` over ``weights`` in whole pesos, largest remainder first.

    Used to spread a ticket discount over its lines so each tax rate gets its share and
    the parts add up exactly to the amount.

    Raises ValueError rather than lose or invent pesos: a negative amount or weight, or
    an amount with nothing to spread it over.
    """
    if amount_clp < 0 or any(w < 0 for w in weights):
        raise ValueError("prorate needs a non-negative amount and weights")
    total_weight = sum(weights)
    if amount_clp == 0:
        return [0] * len(weights)
    if total_weight == 0:
        raise ValueError("cannot prorate an amount over zero weights")
    raw = [Decimal(amount_clp) * w / total_weight for w in weights]
    parts = [int(r) for r in raw]  # int() truncates toward zero; amounts are >= 0
    leftover = amount_clp - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: raw[i] - parts[i], reverse=True)
    for i in order[:leftover]:
        parts[i] += 1
    return parts


def format_clp(amount_clp: int) -> str:
    """$1.234.567 — Chilean thousands separator, no decimals."""
    sign = "-" if amount_clp < 0 else ""
    return f"{sign}${abs(amount_clp):,}".replace(",", ".")


def format_signed_clp(amount_clp: int) -> str:
    """An adjustment with its sign, as the rounding and difference lines show it: +$4, -$3."""
    return ("+" if amount_clp > 0 else "") + format_clp(amount_clp)
