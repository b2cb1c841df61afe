"""Returns and voids: credit notes (notas de crédito) against an original sale.

Two writes: ``sale_return`` (all or some lines and quantities, in one or several partial
returns) and ``sale_void`` (the whole sale, the same day, with a supervisor's approval).
Both issue a credit note numbered gapless in the active nota_credito series, chained like
sales, give the money back, bring the goods back into stock and never touch the
original sale except its (unchained) status on a void.

Decisions:

- **Line amounts, cumulative.** After a return, the amount credited so far for a line is
  ``round(line total × quantity returned so far / quantity sold)``; each return credits
  that minus what earlier returns credited. The first return is therefore
  ``round(total × qty / sold)``, the last one gets exactly the remainder, and the sum for
  a line never exceeds nor falls short of its total (discounts included).
- **Refund by the original method.** The note's total is split over the sale's payment
  methods in proportion to what each method still has to give back (exact amounts: the
  cash part before Ley 20.956 rounding), so no method gives back more than it took and a
  full return gives each method exactly its share. A part paid on the customer's account
  (fiado) goes back to that account.
- **Cash (Ley 20.956).** Cash refunds are multiples of $10. The cash given back so far is
  ``round_cash(exact cash share returned so far)`` — the rule of the sale itself — so
  after a full return the customer has back exactly the cash they paid (the sale's
  rounding is undone), and partial returns never drift more than $5 from that. Each note
  keeps its own rounding: refunds = total + ``cash_rounding_clp``.
- **Store credit.** The whole note is credited to the customer's account instead (an
  identified customer only; never the anonymous final consumer).
- **Damaged goods** (``restock=False``): the return still enters the ledger (kind
  devolucion) and an adjustment writes it off, so the shrinkage is on record.

Lock order, as everywhere: cash session → document series → (the original sale) →
stock rows → customer. The original sale's row lock serialises returns of the same sale,
and the already-returned quantities are read after it.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.core.integrity import canonical_json
from itplus.core.money import (
    format_clp,
    prorate,
    round_cash,
    round_clp,
    split_document,
    split_taxes,
    tax_key,
)
from itplus.core.numbers import format_quantity, parse_quantity
from itplus.store.accounts.approvals import approval_consume
from itplus.store.accounts.models import Approval, ApprovalAction, Role
from itplus.store.accounts.permissions import role_at_least
from itplus.store.cash.models import CashSession
from itplus.store.cash.selectors import cash_session_current
from itplus.store.cash.services import SessionClosed
from itplus.store.customers.models import AccountEntry
from itplus.store.inventory.models import MovementKind
from itplus.store.inventory.services import StockChange
from itplus.store.sales.documents import (
    AccountPosting,
    DocumentDraft,
    StockBatch,
    chain_heading,
    document_issue,
)
from itplus.store.sales.idempotency import create_once
from itplus.store.sales.models import (
    CreditNote,
    CreditNoteLine,
    DocumentKind,
    DocumentSeries,
    PaymentMethod,
    Refund,
    Sale,
)
from itplus.store.sales.returns.receipts import credit_note_printout
from itplus.store.sales.returns.selectors import (
    LineReturnState,
    sale_document_label,
    sale_find,
    sale_return_state,
)
from itplus.store.sales.services import MAX_LINES
from itplus.store.terminals.models import Terminal

SANTIAGO = ZoneInfo("America/Santiago")

REFUND_ORIGINAL = "original"
REFUND_STORE_CREDIT = PaymentMethod.STORE_CREDIT.value  # "cuenta_corriente"
REFUND_MODES = (REFUND_ORIGINAL, REFUND_STORE_CREDIT)


class ReturnRejected(BusinessError):
    code = "devolucion_rechazada"
    status = 422


class DocumentNotFound(ReturnRejected):
    code = "documento_inexistente"
    status = 404


class VoidRejected(ReturnRejected):
    code = "anulacion_rechazada"


@dataclass
class ReturnLineInput:
    """One line to return: the original line (by its position on the sale, or its id)
    and the quantity coming back."""

    quantity: Decimal | str  # as typed or sent; read with the line's product
    position: int | None = None
    sale_line_id: int | None = None
    restock: bool = True


@dataclass
class ReturnInput:
    """A return request. The original document is named by ``sale_id``, by
    ``series_code`` + ``number`` (as printed on the receipt) or by the sale's client
    UUID (``sale_uuid``)."""

    client_uuid: uuid.UUID
    lines: list[ReturnLineInput]
    reason: str
    refund_to: str = REFUND_ORIGINAL
    sale_id: int | None = None
    series_code: str = ""
    number: int | None = None
    sale_uuid: uuid.UUID | None = None
    # A cashier's return needs a supervisor's "devolucion" approval for this sale and
    # at least the amount credited; a supervisor or administrator returns without one.
    approval_id: int | None = None

    def fingerprint(self) -> str:
        data = asdict(self)
        data["client_uuid"] = str(self.client_uuid)
        data["sale_uuid"] = str(self.sale_uuid) if self.sale_uuid else None
        return hashlib.sha256(canonical_json(data)).hexdigest()


@dataclass
class _Pick:
    state: LineReturnState
    quantity: Decimal
    restock: bool


def credit_note_chain_payload(
    note: CreditNote,
    *,
    original: tuple[str, int],
    lines: list[CreditNoteLine],
    refunds: list[tuple[str, int]],
) -> dict:
    """What the credit note's hash chain covers: number, date, kind, the original
    document (series code, number), who issued it where and for whom, the reason, the
    totals and taxes, every line and every refund (method, amount)."""
    return {
        **chain_heading(note),
        "kind": note.kind,
        "original": list(original),
        "terminal": note.terminal_id,
        "user": note.user_id,
        "session": note.cash_session_id,
        "approval": note.approval_id,
        "reason": note.reason,
        "lines": [
            [
                ln.position,
                ln.sale_line_id,
                ln.product_id,
                str(ln.quantity),
                ln.total_clp,
                ln.net_clp,
                ln.iva_clp,
                ln.ila_clp,
                ln.exempt_clp,
                ln.restock,
            ]
            for ln in lines
        ],
        "refunds": sorted([method, amount] for method, amount in refunds),
    }


# --- The two use cases -------------------------------------------------------------------


def sale_return(
    *, terminal: Terminal, user: User, data: ReturnInput, issued_at: datetime | None = None
) -> tuple[CreditNote, bool]:
    """Return some or all of a sale: a credit note, the refund, the goods back in stock.

    Guarantees: all or nothing in one transaction; never more than was sold, counting
    every earlier return of the sale, even under concurrent returns (the original sale's
    row is locked); per line, refunds add up to at most the line total, exactly on a full
    return; a cash refund needs the terminal's open cash session (it comes out of that
    drawer); the credit note's number is the next of its series, gapless, and chained.
    The same ``client_uuid`` sent again returns the note already made (``created`` is
    False); a different request under a used UUID is refused. A cashier (the till's API
    token) needs a supervisor's approval (``data.approval_id``), as the back-office
    page needs a supervisor's login. ``issued_at`` is for loading history (demo data);
    the till and the back office never pass it.
    """
    fingerprint = data.fingerprint()
    return _once(
        client_uuid=data.client_uuid,
        fingerprint=fingerprint,
        write=lambda: _return_write(
            terminal=terminal,
            user=user,
            data=data,
            fingerprint=fingerprint,
            issued_at=issued_at or timezone.now(),
        ),
    )


def sale_void(
    *,
    sale_id: int,
    terminal: Terminal,
    user: User,
    approval_id: int | None,
    reason: str = "",
    client_uuid: uuid.UUID | None = None,
    issued_at: datetime | None = None,
) -> tuple[CreditNote, bool]:
    """Void (anular) a sale of the same day (America/Santiago calendar day).

    Needs a supervisor's ``anular_venta`` approval (by PIN, used once — a supervisor
    voiding their own way still records one). Issues a credit note "Anulación" for the
    whole sale, refunds it by the original methods, brings the goods back into stock and
    marks the sale ``anulada``; nothing is deleted and the sale's hash chain stays valid
    (its status is not chained). Refused: a sale of another day, of another terminal or
    of a session already closed (the Z is final; a return is the way then), a sale with
    returns, or one already voided. ``client_uuid`` makes a retry return the same note
    (``created`` False).
    """
    fingerprint = hashlib.sha256(
        canonical_json({"void": sale_id, "approval": approval_id, "reason": reason})
    ).hexdigest()
    client_uuid = client_uuid or uuid.uuid4()
    return _once(
        client_uuid=client_uuid,
        fingerprint=fingerprint,
        write=lambda: _void_write(
            sale_id=sale_id,
            terminal=terminal,
            user=user,
            approval_id=approval_id,
            reason=reason,
            client_uuid=client_uuid,
            fingerprint=fingerprint,
            issued_at=issued_at or timezone.now(),
        ),
    )


def _once(
    *, client_uuid: uuid.UUID, fingerprint: str, write: Callable[[], CreditNote]
) -> tuple[CreditNote, bool]:
    """Idempotency on the client's UUID: the note already made under it, or ``write()``."""
    return create_once(
        model=CreditNote,
        client_uuid=client_uuid,
        fingerprint=fingerprint,
        write=write,
        conflict_message=_(
            "Este identificador de devolución ya se usó para otra devolución distinta."
        ),
    )


# --- Writers -----------------------------------------------------------------------------


@transaction.atomic
def _return_write(
    *, terminal: Terminal, user: User, data: ReturnInput, fingerprint: str, issued_at: datetime
) -> CreditNote:
    reason = " ".join((data.reason or "").split())
    if not reason:
        raise ReturnRejected(_("Indique el motivo de la devolución."))
    if data.refund_to not in REFUND_MODES:
        raise ReturnRejected(
            _("Forma de devolución desconocida: %(mode)s.") % {"mode": data.refund_to}
        )
    if not data.lines:
        raise ReturnRejected(_("Elija al menos una línea para devolver."))
    if len(data.lines) > MAX_LINES:
        raise ReturnRejected(_("La devolución tiene demasiadas líneas."))

    session = cash_session_current(terminal=terminal, lock=True)
    series = _credit_note_series()
    sale = _sale_locked(
        sale_id=data.sale_id,
        series_code=data.series_code,
        number=data.number,
        client_uuid=data.sale_uuid,
    )
    label = sale_document_label(sale)
    if sale.status == Sale.Status.VOIDED:
        raise ReturnRejected(_("%(doc)s está anulada: no admite devoluciones.") % {"doc": label})
    if issued_at < sale.issued_at:
        raise ReturnRejected(_("La devolución no puede ser anterior a la venta."))
    states = sale_return_state(sale=sale)
    if not any(s.remaining_quantity > 0 for s in states):
        raise ReturnRejected(
            _("%(doc)s ya fue devuelta completa: no queda nada por devolver.") % {"doc": label}
        )
    picks = _picks_from_input(data.lines, states, label)
    approval = None
    if not role_at_least(user, Role.SUPERVISOR):
        # Consumed once the amount is known; the approval row is locked last here, and
        # only a reuse of one approval could ever wait on it.
        approval = approval_consume(
            approval_id=data.approval_id,
            action=ApprovalAction.RETURN,
            requested_by=user,
            terminal=terminal,
            obj=sale,
            amount_clp=sum(_line_amount(p.state, p.quantity) for p in picks),
            detail=_("Devolución de %(doc)s") % {"doc": label},
        )
    return _credit_note_write(
        kind=CreditNote.Kind.RETURN,
        sale=sale,
        series=series,
        session=session,
        terminal=terminal,
        user=user,
        picks=picks,
        refund_to=data.refund_to,
        reason=reason[:200],
        approval=approval,
        client_uuid=data.client_uuid,
        fingerprint=fingerprint,
        issued_at=issued_at,
    )


@transaction.atomic
def _void_write(
    *,
    sale_id: int,
    terminal: Terminal,
    user: User,
    approval_id: int | None,
    reason: str,
    client_uuid: uuid.UUID,
    fingerprint: str,
    issued_at: datetime,
) -> CreditNote:
    if not Sale.objects.filter(pk=sale_id).exists():
        raise DocumentNotFound(_document_missing_message("", None, None, sale_id))
    # The approval first, as sale_complete does; locked so two voids cannot share it.
    approval = approval_consume(
        approval_id=approval_id,
        action=ApprovalAction.VOID_SALE,
        requested_by=user,
        terminal=terminal,
        obj=Sale(pk=sale_id),
    )

    session = cash_session_current(terminal=terminal, lock=True)
    series = _credit_note_series()
    sale = _sale_locked(sale_id=sale_id)
    label = sale_document_label(sale)
    if sale.status == Sale.Status.VOIDED:
        raise VoidRejected(_("%(doc)s ya está anulada.") % {"doc": label})
    sold_on = timezone.localtime(sale.issued_at, SANTIAGO).date()
    if sold_on != timezone.localtime(issued_at, SANTIAGO).date():
        raise VoidRejected(
            _("%(doc)s es del %(date)s: solo se anula una venta el mismo día. Haga una devolución.")
            % {"doc": label, "date": sold_on.strftime("%d-%m-%Y")}
        )
    if session is None:
        raise SessionClosed(
            _("La caja %(terminal)s no está abierta: una venta se anula con su caja abierta.")
            % {"terminal": terminal.name}
        )
    # The cash report counts a voided sale as money that never came in; the void must
    # therefore happen in the sale's own session, before its Z, and on a sale without
    # returns (their refunds are already counted as money out).
    if sale.cash_session_id != session.pk:
        raise VoidRejected(
            _(
                "%(doc)s es de otra caja o de una sesión de caja ya cerrada: solo se anula "
                "en la misma caja antes del cierre. Haga una devolución."
            )
            % {"doc": label}
        )
    states = sale_return_state(sale=sale)
    if not any(s.remaining_quantity > 0 for s in states):
        raise VoidRejected(
            _("%(doc)s ya fue devuelta completa: no hay nada que anular.") % {"doc": label}
        )
    if any(s.returned_quantity > 0 for s in states):
        raise VoidRejected(
            _("%(doc)s ya tiene devoluciones: no se puede anular, devuelva el resto.")
            % {"doc": label}
        )
    picks = [
        _Pick(state=s, quantity=s.remaining_quantity, restock=True)
        for s in states
        if s.remaining_quantity > 0
    ]
    detail = " ".join((reason or "").split())
    note_reason = _("Anulación") + (f": {detail}" if detail else "")
    note = _credit_note_write(
        kind=CreditNote.Kind.VOID,
        sale=sale,
        series=series,
        session=session,
        terminal=terminal,
        user=user,
        picks=picks,
        refund_to=REFUND_ORIGINAL,
        reason=note_reason[:200],
        approval=approval,
        client_uuid=client_uuid,
        fingerprint=fingerprint,
        issued_at=issued_at,
    )
    Sale.objects.filter(pk=sale.pk).update(status=Sale.Status.VOIDED)
    sale.status = Sale.Status.VOIDED
    return note


def _credit_note_series() -> DocumentSeries:
    # Row lock: credit-note numbers are taken one at a time, gapless, as sales' are; the
    # lock is held until the note commits and a rollback frees the number.
    series = (
        DocumentSeries.objects.filter(is_active=True, kind=DocumentKind.NOTA_CREDITO)
        .order_by("code")
        .select_for_update()
        .first()
    )
    if series is None:
        raise ReturnRejected(
            _(
                "No hay una serie activa de notas de crédito: créela en Administración › "
                "Series de documentos."
            )
        )
    return series


def _sale_locked(
    *,
    sale_id: int | None = None,
    series_code: str = "",
    number: int | None = None,
    client_uuid: uuid.UUID | None = None,
) -> Sale:
    """The original sale, its row locked (only its row: not its series, which the tills
    are numbering) so returns of one sale happen one after the other."""
    found = sale_find(
        sale_id=sale_id, series_code=series_code, number=number, client_uuid=client_uuid
    )
    if found is None:
        raise DocumentNotFound(_document_missing_message(series_code, number, client_uuid, sale_id))
    locked = Sale.objects.select_for_update(of=("self",)).get(pk=found.pk)
    locked.series = found.series
    return locked


def _document_missing_message(series_code, number, client_uuid, sale_id) -> str:
    if number is not None:
        document = f"{series_code} N° {number}" if series_code else f"N° {number}"
    elif client_uuid is not None:
        document = str(client_uuid)
    elif sale_id is not None:
        document = f"#{sale_id}"
    else:
        return _("Indique el documento original (serie y número) de la devolución.")
    return _("El documento %(document)s no existe en esta tienda.") % {"document": document}


def return_quantity_parse(value, *, state: LineReturnState, positive: bool = False) -> Decimal:
    """A quantity to return of one sale line, as typed or sent (the shared parser)."""
    return parse_quantity(
        value,
        weighed=state.weighed,
        field=_("Cantidad a devolver de «%(product)s»") % {"product": state.line.description},
        positive=positive,
    )


def _picks_from_input(
    lines: list[ReturnLineInput], states: list[LineReturnState], label: str
) -> list[_Pick]:
    by_id = {s.line.pk: s for s in states}
    by_position = {s.line.position: s for s in states}
    picks: list[_Pick] = []
    seen: set[int] = set()
    for raw in lines:
        if raw.sale_line_id is not None:
            state = by_id.get(raw.sale_line_id)
        elif raw.position is not None:
            state = by_position.get(raw.position)
        else:
            raise ReturnRejected(_("Indique qué línea de la venta se devuelve."))
        if state is None:
            raise ReturnRejected(
                _("La línea %(line)s no pertenece a %(doc)s.")
                % {
                    "line": raw.position if raw.sale_line_id is None else f"#{raw.sale_line_id}",
                    "doc": label,
                }
            )
        line = state.line
        if line.pk in seen:
            raise ReturnRejected(
                _("La línea %(position)s («%(product)s») aparece dos veces en la devolución.")
                % {"position": line.position, "product": line.description}
            )
        seen.add(line.pk)
        if line.is_voided:
            raise ReturnRejected(
                _("La línea %(position)s («%(product)s») se anuló en la venta: no se vendió.")
                % {"position": line.position, "product": line.description}
            )
        quantity = return_quantity_parse(raw.quantity, state=state, positive=True)
        if quantity > state.remaining_quantity:
            if state.returned_quantity:
                message = _(
                    "De «%(product)s» se vendieron %(sold)s y ya se devolvieron %(returned)s: "
                    "se pueden devolver como máximo %(left)s."
                )
            else:
                message = _(
                    "De «%(product)s» se vendieron %(sold)s: no se pueden devolver %(asked)s."
                )
            raise ReturnRejected(
                message
                % {
                    "product": line.description,
                    "sold": format_quantity(line.quantity),
                    "returned": format_quantity(state.returned_quantity),
                    "left": format_quantity(state.remaining_quantity),
                    "asked": format_quantity(quantity),
                }
            )
        picks.append(_Pick(state=state, quantity=quantity, restock=bool(raw.restock)))
    return picks


def _line_amount(state: LineReturnState, quantity: Decimal) -> int:
    """This return's share of the line total (cumulative rounding; see the module)."""
    line = state.line
    returned_after = state.returned_quantity + quantity
    if returned_after >= line.quantity:
        credited_after = line.total_clp
    else:
        credited_after = round_clp(Decimal(line.total_clp) * returned_after / line.quantity)
    left = line.total_clp - state.credited_clp
    return min(max(credited_after - state.credited_clp, 0), left)


def _refunds_by_original_method(sale: Sale, total_clp: int) -> tuple[list[tuple[str, int]], int]:
    """Split ``total_clp`` over the sale's payment methods. Returns ((method, amount)
    pairs with amount > 0, cash rounding of this note)."""
    if total_clp == 0:
        return [], 0
    paid: dict[str, int] = defaultdict(int)
    for method, amount in sale.payments.values_list("method", "amount_clp"):
        paid[method] += amount
    cash_paid = paid.pop(PaymentMethod.CASH, 0)
    # The cash part before rounding: what the electronic payments did not cover.
    exact = dict(paid)
    exact[PaymentMethod.CASH] = sale.total_clp - sum(paid.values())

    refunded: dict[str, int] = defaultdict(int)
    for method, amount in Refund.objects.filter(credit_note__sale=sale).values_list(
        "method", "amount_clp"
    ):
        refunded[method] += amount
    earlier_rounding = (
        CreditNote.objects.filter(sale=sale).aggregate(r=Sum("cash_rounding_clp"))["r"] or 0
    )
    cash_refunded = refunded[PaymentMethod.CASH]
    refunded_exact = dict(refunded)
    refunded_exact[PaymentMethod.CASH] = cash_refunded - earlier_rounding

    methods = sorted(exact)
    remaining = [max(exact[m] - refunded_exact.get(m, 0), 0) for m in methods]
    parts = dict(zip(methods, prorate(total_clp, remaining), strict=True))

    cash_exact_after = refunded_exact[PaymentMethod.CASH] + parts[PaymentMethod.CASH]
    # Never more cash than was paid in cash (a sale of $1–5 in cash paid none).
    cash_back = min(round_cash(cash_exact_after), cash_paid) - cash_refunded
    rounding = cash_back - parts[PaymentMethod.CASH]
    parts[PaymentMethod.CASH] = cash_back
    return [(m, parts[m]) for m in methods if parts[m] > 0], rounding


def _credit_note_write(
    *,
    kind: str,
    sale: Sale,
    series: DocumentSeries,
    session: CashSession | None,
    terminal: Terminal,
    user: User,
    picks: list[_Pick],
    refund_to: str,
    reason: str,
    approval: Approval | None,
    client_uuid: uuid.UUID,
    fingerprint: str,
    issued_at: datetime,
) -> CreditNote:
    label = sale_document_label(sale)
    customer = sale.customer
    line_rows: list[CreditNoteLine] = []
    for position, pick in enumerate(picks, start=1):
        line = pick.state.line
        amount = _line_amount(pick.state, pick.quantity)
        taxes = split_taxes(amount, exempt=line.is_exempt, ila_code=line.ila_tax)
        line_rows.append(
            CreditNoteLine(
                position=position,
                sale_line=line,
                product_id=line.product_id,
                description=line.description,
                quantity=pick.quantity,
                total_clp=amount,
                net_clp=taxes.net_clp,
                iva_clp=taxes.iva_clp,
                ila_clp=taxes.ila_clp,
                exempt_clp=taxes.exempt_clp,
                restock=pick.restock,
            )
        )
    total = sum(row.total_clp for row in line_rows)
    doc_taxes = split_document(
        (tax_key(exempt=p.state.line.is_exempt, ila_code=p.state.line.ila_tax), row.total_clp)
        for p, row in zip(picks, line_rows, strict=True)
    )

    if refund_to == REFUND_STORE_CREDIT:
        if customer is None or customer.is_final_consumer:
            raise ReturnRejected(
                _(
                    "%(doc)s es de consumidor final: la devolución como crédito en cuenta "
                    "necesita un cliente identificado. Devuelva por el medio de pago original."
                )
                % {"doc": label}
            )
        refunds = [(PaymentMethod.STORE_CREDIT.value, total)] if total else []
        rounding = 0
    else:
        refunds, rounding = _refunds_by_original_method(sale, total)

    cash_out = sum(amount for method, amount in refunds if method == PaymentMethod.CASH)
    if cash_out and session is None:
        raise SessionClosed(
            _(
                "La caja %(terminal)s no está abierta: ábrala para devolver %(amount)s en "
                "efectivo, o devuelva en otra caja abierta."
            )
            % {"terminal": terminal.name, "amount": format_clp(cash_out)}
        )

    note = CreditNote(
        client_uuid=client_uuid,
        request_fingerprint=fingerprint,
        kind=kind,
        issued_at=issued_at,
        sale=sale,
        terminal=terminal,
        user=user,
        cash_session=session,
        customer=customer,
        approval=approval,
        reason=reason,
        total_clp=total,
        net_clp=doc_taxes.net_clp,
        iva_clp=doc_taxes.iva_clp,
        ila_clp=doc_taxes.ila_clp,
        exempt_clp=doc_taxes.exempt_clp,
        cash_rounding_clp=rounding,
    )
    stock = [
        StockBatch(
            kind=MovementKind.RETURN,
            changes=lambda _rows: [
                StockChange(
                    product=p.state.line.product, quantity=p.quantity, sale_line_id=p.state.line.pk
                )
                for p in picks
            ],
            reason=reason,
        )
    ]
    damaged = [p for p in {p.state.line.pk: p for p in picks}.values() if not p.restock]
    if damaged:
        # Written off right after coming back: net zero, so never refused for stock.
        stock.append(
            StockBatch(
                kind=MovementKind.ADJUSTMENT,
                changes=lambda _rows: [
                    StockChange(
                        product=p.state.line.product,
                        quantity=-p.quantity,
                        sale_line_id=p.state.line.pk,
                    )
                    for p in damaged
                ],
                reason=_("Devolución en mal estado, no vuelve a la venta (%(doc)s)")
                % {"doc": f"{series.code}-{series.next_number}"},
                allow_negative=True,
            )
        )
    on_account = sum(a for m, a in refunds if m == PaymentMethod.STORE_CREDIT)
    return document_issue(
        DocumentDraft(
            series=series,
            document=note,
            lines=line_rows,
            money=[Refund(method=method, amount_clp=amount) for method, amount in refunds],
            parent_field="credit_note",
            chain_payload=lambda doc, rows: credit_note_chain_payload(
                doc, original=(sale.series.code, sale.number), lines=rows, refunds=refunds
            ),
            user=user,
            issued_at=issued_at,
            printout=lambda note_id: credit_note_printout(credit_note_id=note_id),
            stock=stock,
            account=AccountPosting(
                customer=customer,
                amount_clp=-on_account,
                kind=AccountEntry.Kind.CREDIT,
                sale=sale,
                reason=lambda doc: (
                    _("%(note)s (devolución de %(doc)s)") % {"note": str(doc), "doc": label}
                ),
            )
            if on_account
            else None,
        )
    )
