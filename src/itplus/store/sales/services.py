"""Sales: the till's one write, ``sale_complete`` (and ``offline_sale_sync``, the same
write for a sale the till made offline), and parking tickets."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
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
from itplus.core.numbers import MAX_AMOUNT_CLP, format_quantity
from itplus.store.accounts.approvals import ApprovalRefused, approval_consume
from itplus.store.accounts.models import Approval, ApprovalAction, Role
from itplus.store.accounts.permissions import role_at_least, staff_role
from itplus.store.cash.selectors import cash_session_current
from itplus.store.cash.services import SessionClosed
from itplus.store.catalog.models import Product
from itplus.store.catalog.quantities import product_quantity_parse
from itplus.store.catalog.scale_labels import ScaleLabelCheck, scale_label_check
from itplus.store.catalog.selectors import ResolvedCode, product_resolve_codes
from itplus.store.config import get_config
from itplus.store.customers.models import AccountEntry, Customer
from itplus.store.customers.services import customer_factura_check
from itplus.store.inventory.models import MovementKind, StockMovement
from itplus.store.inventory.services import StockChange
from itplus.store.sales.documents import (
    AccountPosting,
    DocumentDraft,
    StockBatch,
    chain_heading,
    document_issue,
)
from itplus.store.sales.idempotency import IdempotencyConflict, create_once  # noqa: F401
from itplus.store.sales.models import (
    DocumentKind,
    DocumentSeries,
    NumberBlock,
    ParkedTicket,
    Payment,
    PaymentMethod,
    Sale,
    SaleLine,
    SyncConflict,
)
from itplus.store.sales.receipts import sale_printout
from itplus.store.terminals.models import Terminal

MAX_LINES = 500
# An offline sale dated further ahead than this, or further before its block was leased,
# is refused (the till's clock is wrong).
MAX_CLOCK_AHEAD = timedelta(minutes=5)


class SaleRejected(BusinessError):
    code = "venta_rechazada"
    status = 422


class UnknownCode(SaleRejected):
    code = "codigo_desconocido"


class PaymentRejected(SaleRejected):
    code = "pago_rechazado"


class BlockUnknown(SaleRejected):
    """An offline sale's number is not one leased to this terminal, or already used."""

    code = "bloque_desconocido"


class SoldAtInvalid(SaleRejected):
    code = "fecha_invalida"


class NeedsServer(SaleRejected):
    """Not allowed offline: fiado, a factura, an identified customer."""

    code = "requiere_servidor"


@dataclass
class LineInput:
    """One scanned line as the till sends it."""

    code: str = ""  # barcode, scale EAN-13 or SKU, as scanned/typed
    product_id: int | None = None  # when picked from a search instead of scanned
    quantity: Decimal | str = Decimal("1")  # as typed or sent; read once the product is known
    discount_clp: int = 0
    is_voided: bool = False
    approval_id: int | None = None
    # The till reports a quantity lowered after scanning (the largest it had), with a
    # supervisor's approval for a cashier: like a void, it takes goods off the ticket.
    scanned_quantity: Decimal | None = None
    quantity_approval_id: int | None = None
    # A deli-scale label outside the plausible weight range needs a supervisor's
    # "etiqueta_balanza" approval for a cashier (catalog.scale_labels).
    scale_approval_id: int | None = None
    # Offline sales only: the unit price the till charged (it stands, see SyncConflict).
    unit_price_clp: int | None = None


@dataclass
class PaymentInput:
    method: str
    amount_clp: int  # for cash: the amount tendered by the customer
    reference: str = ""


@dataclass
class SaleInput:
    client_uuid: uuid.UUID
    lines: list[LineInput]
    payments: list[PaymentInput]
    ticket_discount_clp: int = 0
    ticket_discount_approval_id: int | None = None
    document_kind: str = DocumentKind.BOLETA
    customer_id: int | None = None
    extra: dict = field(default_factory=dict)

    def fingerprint(self) -> str:
        data = asdict(self)
        data["client_uuid"] = str(self.client_uuid)
        for line in data["lines"]:
            # Left out when unused, so a sale sent before the field existed and sent
            # again now (an offline till catching up) still matches its fingerprint.
            for key in ("scale_approval_id", "unit_price_clp"):
                if line[key] is None:
                    del line[key]
        return hashlib.sha256(canonical_json(data)).hexdigest()


@dataclass
class _PricedLine:
    product: Product
    code: str
    quantity: Decimal
    unit_price_clp: int
    gross_clp: int
    discount_clp: int
    is_voided: bool
    approval: Approval | None
    scale_approval: Approval | None = None
    ticket_discount_clp: int = 0
    # Offline: the product's price when the till charged another one (a "precio" conflict).
    catalog_price_clp: int | None = None

    @property
    def after_line_discount_clp(self) -> int:
        return self.gross_clp - self.discount_clp

    @property
    def total_clp(self) -> int:
        return self.gross_clp - self.discount_clp - self.ticket_discount_clp


def _discount_limit_percent(cashier: User) -> int:
    return get_config().discount_limit_percent(staff_role(cashier))


@dataclass(frozen=True)
class _Requester:
    """Who asks for the sale's approvals, and where: they must have been given to them."""

    terminal: Terminal
    cashier: User

    def consume(self, approval_id: int | None, action: str, **covers) -> Approval:
        # Inside the sale's transaction: a sale that fails leaves the approval unused.
        return approval_consume(
            approval_id=approval_id,
            action=action,
            requested_by=self.cashier,
            terminal=self.terminal,
            **covers,
        )


def _percent(part: int, whole: int) -> int:
    """Discount as a whole percentage, rounded up so 5.01% counts as over a 5% limit."""
    if whole <= 0:
        return 100 if part > 0 else 0
    return -(-part * 100 // whole)


def _price_line(
    line: LineInput,
    cashier_limit: int,
    requester: _Requester,
    resolved_codes: dict[str, ResolvedCode | None],
    *,
    till_price: bool = False,
) -> _PricedLine:
    """Price one line (``resolved_codes``: the sale's scanned codes, read at once).
    ``till_price``: an offline sale, where the line's ``unit_price_clp`` (what the till
    charged) wins over the catalog's."""
    if line.product_id is not None:
        product = Product.objects.filter(pk=line.product_id, is_active=True).first()
        if product is None:
            raise UnknownCode(_("El producto seleccionado no existe o está inactivo."))
        resolved_code, embedded_price, embedded_weight = line.code, None, None
    else:
        # A scanner sends printable characters; anything else (a NUL byte, which
        # PostgreSQL cannot even compare) is simply not a code we know.
        resolved = resolved_codes.get(line.code) if line.code.isprintable() else None
        if resolved is None:
            raise UnknownCode(
                _("Código «%(code)s» no encontrado. Revise el código o busque por nombre.")
                % {"code": line.code[:32]}
            )
        product = resolved.product
        resolved_code = resolved.code
        embedded_price, embedded_weight = resolved.embedded_price_clp, resolved.embedded_weight_kg

    # Checked before anything else is read from the label: a $0 label is refused here.
    label = scale_label_check(
        product=product, embedded_price_clp=embedded_price, embedded_weight_kg=embedded_weight
    )
    if embedded_price is not None:
        # The scale already priced it; quantity is one labelled package.
        quantity, unit_price, gross = Decimal("1.000"), embedded_price, embedded_price
    else:
        quantity = product_quantity_parse(
            embedded_weight if embedded_weight is not None else line.quantity,
            product=product,
            positive=True,
        )
        unit_price = product.price_clp
        gross = round_clp(Decimal(unit_price) * quantity)
    catalog_price = None
    if till_price and line.unit_price_clp is not None and line.unit_price_clp != unit_price:
        charged = line.unit_price_clp
        if (
            isinstance(charged, bool)
            or not isinstance(charged, int)
            or not 0 <= charged <= MAX_AMOUNT_CLP
        ):
            raise SaleRejected(
                _("El precio cobrado de «%(product)s» no es válido.") % {"product": product.name}
            )
        catalog_price, unit_price = unit_price, charged
        gross = round_clp(Decimal(charged) * quantity)

    discount = int(line.discount_clp or 0)
    if discount < 0:
        raise SaleRejected(_("El descuento no puede ser negativo."))
    if discount > gross:
        raise SaleRejected(
            _("El descuento de «%(product)s» no puede superar el valor de la línea.")
            % {"product": product.name}
        )
    approval = None
    percent = _percent(discount, gross)
    if discount and percent > cashier_limit and not line.is_voided:
        approval = requester.consume(line.approval_id, ApprovalAction.DISCOUNT, percent=percent)
    if line.scanned_quantity is not None and not line.is_voided:
        _check_lowered_quantity(line, quantity, product, requester)
    scale_approval = None
    if label is not None and not label.plausible and not line.is_voided:
        scale_approval = _approve_scale_label(line, label, resolved_code, requester)
    return _PricedLine(
        product=product,
        code=resolved_code,
        quantity=quantity,
        unit_price_clp=unit_price,
        gross_clp=gross,
        discount_clp=discount,
        is_voided=line.is_voided,
        approval=approval,
        scale_approval=scale_approval,
        catalog_price_clp=catalog_price,
    )


def _approve_scale_label(
    line: LineInput, label: ScaleLabelCheck, code: str, requester: _Requester
) -> Approval | None:
    """A cashier needs a supervisor's approval covering the label's amount; a
    supervisor at the till is the approver (as for voids)."""
    if role_at_least(requester.cashier, Role.SUPERVISOR):
        return None
    try:
        return requester.consume(
            line.scale_approval_id,
            ApprovalAction.SCALE_LABEL,
            amount_clp=label.total_clp,
            detail=f"{code}: {label.summary}",
        )
    except ApprovalRefused as exc:
        if exc.code == "requiere_aprobacion":
            # Say which label and why, not only that an approval is missing.
            raise ApprovalRefused(label.problem, code=exc.code) from exc
        raise


def _check_lowered_quantity(
    line: LineInput, quantity: Decimal, product: Product, requester: _Requester
) -> None:
    scanned = product_quantity_parse(line.scanned_quantity, product=product, positive=True)
    if scanned > quantity and not role_at_least(requester.cashier, Role.SUPERVISOR):
        requester.consume(
            line.quantity_approval_id,
            ApprovalAction.LOWER_QUANTITY,
            detail=_("%(product)s: de %(before)s a %(after)s")
            % {
                "product": product.name,
                "before": format_quantity(scanned),
                "after": format_quantity(quantity),
            },
        )


def _settle_payments(
    total_clp: int, payments: list[PaymentInput]
) -> tuple[list[Payment], int, int]:
    """Apply payments to the total. Electronic parts are exact; the cash part is rounded
    per Ley 20.956. Returns (payments, cash rounding, change)."""
    if not payments and round_cash(total_clp) != 0:
        # A fully discounted ticket (or one of $1–5, which rounds to $0 in cash) is
        # completed without a payment; anything else needs one.
        raise PaymentRejected(_("Falta el pago."))
    electronic = 0
    tendered_cash = 0
    rows: list[Payment] = []
    for p in payments:
        if p.method not in PaymentMethod.values:
            raise PaymentRejected(
                _("Medio de pago desconocido: %(method)s.") % {"method": p.method}
            )
        amount = int(p.amount_clp)
        if amount <= 0:
            raise PaymentRejected(_("Cada pago debe ser mayor que cero."))
        if amount > MAX_AMOUNT_CLP:
            raise PaymentRejected(_("El monto del pago no es válido."))
        if p.method == PaymentMethod.CASH:
            tendered_cash += amount
        else:
            electronic += amount
            rows.append(Payment(method=p.method, amount_clp=amount, reference=p.reference[:60]))
    if electronic > total_clp:
        raise PaymentRejected(
            _("Los pagos con tarjeta o transferencia superan el total: no se da vuelto por ellos.")
        )
    cash_exact = total_clp - electronic
    if cash_exact == 0:
        if tendered_cash:
            raise PaymentRejected(_("El total ya está pagado: sobra el pago en efectivo."))
        return rows, 0, 0
    cash_due = round_cash(cash_exact)
    if cash_due == 0:
        # A remainder of $1–5 in cash rounds to nothing: the customer pays no cash (and
        # is not asked for any), and cash handed over anyway goes back as change.
        return rows, -cash_exact, tendered_cash
    if tendered_cash == 0:
        raise PaymentRejected(_("Falta pagar %(amount)s.") % {"amount": format_clp(cash_exact)})
    if tendered_cash < cash_due:
        raise PaymentRejected(
            _("El efectivo entregado (%(given)s) no alcanza: faltan %(missing)s.")
            % {
                "given": format_clp(tendered_cash),
                "missing": format_clp(cash_due - tendered_cash),
            }
        )
    change = tendered_cash - cash_due
    rows.append(
        Payment(
            method=PaymentMethod.CASH,
            amount_clp=cash_due,
            tendered_clp=tendered_cash,
            change_clp=change,
        )
    )
    return rows, cash_due - cash_exact, change


def sale_chain_payload(
    sale: Sale, lines: list[SaleLine], payments: Iterable[tuple[str, int]]
) -> dict:
    """What the hash chain covers: number, date, who sold it where and to whom, totals,
    discounts, taxes, every line and every payment (method and amount) — so swapping a
    cash payment for a debit one, or re-assigning a sale to another cashier, breaks it.

    ``payments`` are (method, amount_clp) pairs, in any order.
    """
    return {
        **chain_heading(sale),
        "terminal": sale.terminal_id,
        "cashier": sale.cashier_id,
        "gross": sale.gross_clp,
        "discount": sale.discount_clp,
        "ticket_discount": sale.ticket_discount_clp,
        "lines": [
            [
                ln.position,
                ln.product_id,
                str(ln.quantity),
                ln.unit_price_clp,
                ln.discount_clp,
                ln.ticket_discount_clp,
                ln.total_clp,
                ln.is_voided,
            ]
            for ln in lines
        ],
        "payments": sorted([method, amount] for method, amount in payments),
    }


def _customer_for(data: SaleInput) -> Customer | None:
    """The identified customer, or None for the anonymous final consumer. A factura
    needs a customer with every buyer field (RUT, razón social, giro, dirección, comuna):
    FacturaBuyerIncomplete (422, "factura_sin_datos_comprador") names the missing ones."""
    customer = None
    if data.customer_id is not None:
        customer = Customer.objects.filter(pk=data.customer_id, is_active=True).first()
        if customer is None:
            raise SaleRejected(_("El cliente no existe o está inactivo."))
        if customer.is_final_consumer:
            customer = None
    if data.document_kind == DocumentKind.FACTURA:
        customer_factura_check(customer)
    return customer


def _series_for(terminal: Terminal, kind: str) -> DocumentSeries:
    series_id = (
        terminal.factura_series_id if kind == DocumentKind.FACTURA else terminal.boleta_series_id
    )
    qs = DocumentSeries.objects.filter(is_active=True)
    qs = qs.filter(pk=series_id) if series_id else qs.filter(kind=kind).order_by("code")
    # Row lock: numbers are taken one at a time, so they are gapless and never repeat.
    # The lock is held until the sale commits; a rollback frees the number.
    series = qs.select_for_update().first()
    if series is None:
        raise SaleRejected(
            _("No hay una serie activa de %(kind)s para esta caja.")
            % {"kind": DocumentKind(kind).label.lower()}
        )
    return series


def sale_complete(
    *, terminal: Terminal, cashier: User, data: SaleInput, issued_at: datetime | None = None
) -> tuple[Sale, bool]:
    """Record a completed sale, or nothing.

    Guarantees: one transaction (document, lines, payments, approvals used, number taken)
    — all or nothing; the number is the next of its series with no gaps or repeats
    under concurrent terminals; the same ``client_uuid`` sent again returns the sale
    already made (``created`` is False) without charging twice; a different payload
    under a used UUID is refused. ``issued_at`` is for loading history (demo data,
    imports) in chronological order; the till and the API never pass it.
    """
    fingerprint = data.fingerprint()
    return create_once(
        model=Sale,
        client_uuid=data.client_uuid,
        fingerprint=fingerprint,
        write=lambda: _sale_write(
            terminal=terminal,
            cashier=cashier,
            data=data,
            fingerprint=fingerprint,
            issued_at=issued_at or timezone.now(),
        ),
        conflict_message=_("Este identificador de venta ya se usó para otra venta distinta."),
    )


@dataclass(frozen=True)
class OfflineSale:
    """What a sale made at an offline till adds: the number it took from a block leased
    to the terminal, when it was sold and by whom (None: the user syncing it)."""

    block_id: int
    number: int
    sold_at: datetime
    cashier_id: int | None = None

    def as_dict(self) -> dict:
        sold_at = self.sold_at.astimezone(UTC).isoformat() if self.sold_at.tzinfo else ""
        return {
            "block_id": self.block_id,
            "number": self.number,
            "sold_at": sold_at,
            "cashier_id": self.cashier_id,
        }


def offline_sale_sync(
    *, terminal: Terminal, user: User, data: SaleInput, offline: OfflineSale
) -> tuple[Sale, bool, list[SyncConflict]]:
    """Record a sale the till made offline, once: the same write as ``sale_complete``
    (the same rules, taxes, payments, chain), numbered with ``offline.number`` from
    its leased block and dated ``offline.sold_at``.

    What the till could not know is recorded, not refused (the sale happened): a price
    other than the catalog's (the till's price stands), stock going below zero, a sale
    dated before the open cash session, a block closed meanwhile — each a
    ``SyncConflict`` of the sale, returned with it. What needs the server is refused:
    fiado, factura, a customer (``requiere_servidor``), a supervisor's approval
    (``requiere_aprobacion``), a number not leased to this terminal or already used
    (``bloque_desconocido``), an implausible date (``fecha_invalida``), no open cash
    session (``caja_cerrada``: the till retries later).

    Idempotent on ``client_uuid`` like ``sale_complete``: the same sale again returns
    it (``created`` False); another payload under that UUID is refused.
    """
    data = replace(data, extra={**data.extra, "offline": offline.as_dict()})
    fingerprint = data.fingerprint()

    def write() -> Sale:
        return _sale_write(
            terminal=terminal,
            cashier=_offline_cashier(user, offline.cashier_id),
            data=data,
            fingerprint=fingerprint,
            issued_at=offline.sold_at,
            offline=offline,
        )

    sale, created = create_once(
        model=Sale,
        client_uuid=data.client_uuid,
        fingerprint=fingerprint,
        write=write,
        conflict_message=_("Este identificador de venta ya se usó para otra venta distinta."),
    )
    return sale, created, list(sale.sync_conflicts.order_by("id"))


def _offline_cashier(user: User, cashier_id: int | None) -> User:
    if cashier_id is None or cashier_id == user.pk:
        return user
    cashier = User.objects.filter(pk=cashier_id, is_active=True).first()
    if cashier is None:
        raise SaleRejected(
            _("El cajero de la venta no existe o está inactivo."), code="cajero_desconocido"
        )
    if not role_at_least(user, staff_role(cashier)):
        # The sale is judged with its seller's role (discount limit, voids without an
        # approval): a lower role logged in now cannot send it in that name. It waits.
        raise SaleRejected(
            _(
                "Esta venta la hizo %(seller)s sin conexión: se enviará cuando %(seller)s "
                "(o alguien con su rol o uno mayor) inicie sesión en esta caja."
            )
            % {"seller": cashier.get_full_name() or cashier.get_username()},
            code="espera_a_su_cajero",
        )
    return cashier


def _offline_checks(*, terminal: Terminal, data: SaleInput, offline: OfflineSale) -> NumberBlock:
    """What an offline sale must be, before anything is priced; its block."""
    if data.document_kind != DocumentKind.BOLETA:
        raise NeedsServer(
            _("Sin conexión solo se emiten boletas: la factura requiere el servidor.")
        )
    if data.customer_id is not None:
        raise NeedsServer(_("La venta a un cliente identificado requiere conexión al servidor."))
    if any(p.method == PaymentMethod.STORE_CREDIT for p in data.payments):
        raise NeedsServer(_("El fiado requiere conexión al servidor."))
    block = (
        NumberBlock.objects.select_related("series")
        .filter(pk=offline.block_id, terminal=terminal)
        .first()
    )
    if block is None:
        raise BlockUnknown(_("El bloque de números de la venta no es de esta caja."))
    if not block.first <= offline.number <= block.last:
        raise BlockUnknown(
            _("El N° %(number)s no pertenece al bloque %(first)s–%(last)s de esta caja.")
            % {"number": offline.number, "first": block.first, "last": block.last}
        )
    sold_at = offline.sold_at
    if sold_at.tzinfo is None:
        raise SoldAtInvalid(_("La fecha de la venta no indica su zona horaria."))
    if sold_at > timezone.now() + MAX_CLOCK_AHEAD:
        raise SoldAtInvalid(
            _("La fecha de la venta (%(date)s) está en el futuro: revise el reloj de la caja.")
            % {"date": _local(sold_at)}
        )
    # A till's clock a little behind the server's is common: only a sale dated clearly
    # before its block was leased is refused (the same margin as for the future).
    if sold_at < block.leased_at - MAX_CLOCK_AHEAD:
        raise SoldAtInvalid(
            _(
                "La fecha de la venta (%(date)s) es anterior a la entrega de su bloque de "
                "números (%(leased)s): revise el reloj de la caja."
            )
            % {"date": _local(sold_at), "leased": _local(block.leased_at)}
        )
    return block


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d-%m-%Y %H:%M")


def _offline_conflicts(
    *, sale: Sale, priced: list[_PricedLine], block: NumberBlock, session, offline: OfflineSale
) -> None:
    """Record what the offline sale did that the server would have stopped."""
    rows = []
    for position, line in enumerate(priced, start=1):
        if line.catalog_price_clp is not None and not line.is_voided:
            rows.append(
                SyncConflict(
                    sale=sale,
                    kind=SyncConflict.Kind.PRICE,
                    message=_(
                        "«%(product)s» se vendió a %(sold)s; su precio en el servidor es "
                        "%(current)s."
                    )
                    % {
                        "product": line.product.name[:80],
                        "sold": format_clp(line.unit_price_clp),
                        "current": format_clp(line.catalog_price_clp),
                    },
                    details={
                        "position": position,
                        "product_id": line.product.pk,
                        "unit_price_clp": line.unit_price_clp,
                        "catalog_price_clp": line.catalog_price_clp,
                    },
                )
            )
    for movement in (
        StockMovement.objects.filter(sale_line__sale=sale, resulting_quantity__lt=0)
        .select_related("product", "warehouse")
        .order_by("id")
    ):
        rows.append(
            SyncConflict(
                sale=sale,
                kind=SyncConflict.Kind.STOCK,
                message=_("El stock de «%(product)s» en %(warehouse)s quedó en %(qty)s.")
                % {
                    "product": movement.product.name[:80],
                    "warehouse": movement.warehouse.name,
                    "qty": format_quantity(movement.resulting_quantity),
                },
                details={
                    "product_id": movement.product_id,
                    "warehouse_id": movement.warehouse_id,
                    "resulting_quantity": str(movement.resulting_quantity),
                },
            )
        )
    if offline.sold_at < session.opened_at:
        rows.append(
            SyncConflict(
                sale=sale,
                kind=SyncConflict.Kind.CASH,
                message=_(
                    "Vendida el %(sold)s, antes de la apertura de la caja abierta "
                    "(%(opened)s): quedó en esa sesión."
                )
                % {"sold": _local(offline.sold_at), "opened": _local(session.opened_at)},
                details={"cash_session_id": session.pk},
            )
        )
    if block.closed_at is not None and block.closed_reason != NumberBlock.REASON_USED_UP:
        rows.append(
            SyncConflict(
                sale=sale,
                kind=SyncConflict.Kind.BLOCK,
                message=_("Su bloque de números %(block)s ya estaba cerrado: %(reason)s.")
                % {"block": f"{block.first}–{block.last}", "reason": block.closed_reason},
                details={"block_id": block.pk},
            )
        )
    SyncConflict.objects.bulk_create(rows)


@transaction.atomic
def _sale_write(
    *,
    terminal: Terminal,
    cashier: User,
    data: SaleInput,
    fingerprint: str,
    issued_at: datetime,
    offline: OfflineSale | None = None,
) -> Sale:
    if data.document_kind not in (DocumentKind.BOLETA, DocumentKind.FACTURA):
        raise SaleRejected(_("Tipo de documento no válido para una venta."))
    if not data.lines:
        raise SaleRejected(_("La venta no tiene productos."))
    if len(data.lines) > MAX_LINES:
        raise SaleRejected(_("La venta tiene demasiadas líneas."))
    block = _offline_checks(terminal=terminal, data=data, offline=offline) if offline else None

    limit = _discount_limit_percent(cashier)
    requester = _Requester(terminal=terminal, cashier=cashier)
    # The scanned codes of all the lines in one query, not one per line.
    resolved_codes = product_resolve_codes(
        codes=[line.code for line in data.lines if line.product_id is None]
    )
    priced = [
        _price_line(line, limit, requester, resolved_codes, till_price=offline is not None)
        for line in data.lines
    ]
    for line, raw in zip(priced, data.lines, strict=True):
        if line.is_voided and not role_at_least(cashier, Role.SUPERVISOR):
            line.approval = requester.consume(raw.approval_id, ApprovalAction.VOID_LINE)
    selling = [line for line in priced if not line.is_voided]
    if not selling:
        raise SaleRejected(_("Todas las líneas están anuladas: no hay nada que cobrar."))

    subtotal = sum(line.after_line_discount_clp for line in selling)
    ticket_discount = int(data.ticket_discount_clp or 0)
    if ticket_discount < 0:
        raise SaleRejected(_("El descuento no puede ser negativo."))
    if ticket_discount > subtotal:
        raise SaleRejected(_("El descuento al total no puede superar el total."))
    ticket_approval = None
    if ticket_discount:
        percent = _percent(ticket_discount, subtotal)
        if percent > limit:
            ticket_approval = requester.consume(
                data.ticket_discount_approval_id, ApprovalAction.DISCOUNT, percent=percent
            )
        shares = prorate(ticket_discount, [line.after_line_discount_clp for line in selling])
        for line, share in zip(selling, shares, strict=True):
            line.ticket_discount_clp = share

    total = subtotal - ticket_discount
    doc_taxes = split_document(
        (tax_key(exempt=line.product.is_exempt, ila_code=line.product.ila_tax), line.total_clp)
        for line in selling
    )
    payments, rounding, change = _settle_payments(total, data.payments)

    customer = _customer_for(data)
    if customer is None and any(p.method == PaymentMethod.STORE_CREDIT for p in payments):
        raise PaymentRejected(_("Para fiar hay que identificar al cliente."))

    # Lock order, the same in every writer: cash session → series → stock rows (by
    # product id) → customer. The session lock keeps a closing from racing this sale.
    session = cash_session_current(terminal=terminal, lock=True)
    if session is None:
        raise SessionClosed(
            _("La caja %(terminal)s no está abierta: abra la caja antes de vender.")
            % {"terminal": terminal.name}
        )
    if block is None:
        series = _series_for(terminal, data.document_kind)
    else:
        # The block's series, whatever the terminal's is now; under its lock no other
        # writer can take the number between this check and the insert.
        series = DocumentSeries.objects.select_for_update().get(pk=block.series_id)
        if Sale.objects.filter(client_uuid=data.client_uuid).exists():
            # The same sale sent twice at once, recorded by the other copy while this one
            # waited for the lock: ``create_once`` answers with that one.
            raise IntegrityError("client_uuid already recorded")
        if Sale.objects.filter(series=series, number=offline.number).exists():
            raise BlockUnknown(
                _("El N° %(number)s ya se usó en otra venta.") % {"number": offline.number}
            )
    sale = Sale(
        client_uuid=data.client_uuid,
        request_fingerprint=fingerprint,
        issued_at=issued_at,
        terminal=terminal,
        cashier=cashier,
        cash_session=session,
        customer=customer,
        gross_clp=sum(line.gross_clp for line in selling),
        discount_clp=sum(line.discount_clp for line in selling) + ticket_discount,
        ticket_discount_clp=ticket_discount,
        total_clp=total,
        net_clp=doc_taxes.net_clp,
        iva_clp=doc_taxes.iva_clp,
        ila_clp=doc_taxes.ila_clp,
        exempt_clp=doc_taxes.exempt_clp,
        cash_rounding_clp=rounding,
        change_clp=change,
        ticket_discount_approval=ticket_approval,
    )
    line_rows = []
    for position, line in enumerate(priced, start=1):
        taxes = split_taxes(
            0 if line.is_voided else line.total_clp,
            exempt=line.product.is_exempt,
            ila_code=line.product.ila_tax,
        )
        line_rows.append(
            SaleLine(
                position=position,
                product=line.product,
                description=line.product.name[:120],
                scanned_code=line.code[:32],
                quantity=line.quantity,
                unit_price_clp=line.unit_price_clp,
                gross_clp=line.gross_clp,
                discount_clp=line.discount_clp,
                ticket_discount_clp=line.ticket_discount_clp,
                total_clp=line.total_clp,
                net_clp=taxes.net_clp,
                iva_clp=taxes.iva_clp,
                ila_clp=taxes.ila_clp,
                exempt_clp=taxes.exempt_clp,
                ila_tax=line.product.ila_tax,
                is_exempt=line.product.is_exempt,
                is_voided=line.is_voided,
                approval=line.approval,
                scale_approval=line.scale_approval,
            )
        )
    on_credit = sum(p.amount_clp for p in payments if p.method == PaymentMethod.STORE_CREDIT)
    document_issue(
        DocumentDraft(
            series=series,
            document=sale,
            lines=line_rows,
            money=payments,
            parent_field="sale",
            chain_payload=lambda doc, rows: sale_chain_payload(
                doc, rows, [(p.method, p.amount_clp) for p in payments]
            ),
            user=cashier,
            issued_at=issued_at,
            # An offline sale's boleta was printed by the till when it was made.
            printout=None if offline else (lambda sale_id: sale_printout(sale_id=sale_id)),
            stock=[
                StockBatch(
                    kind=MovementKind.SALE,
                    changes=lambda rows: [
                        StockChange(
                            product=row.product, quantity=-row.quantity, sale_line_id=row.pk
                        )
                        for row in rows
                        if not row.is_voided
                    ],
                    # The goods already left: an offline sale is never refused for stock.
                    allow_negative=True if offline else None,
                )
            ],
            account=AccountPosting(
                customer=customer,
                amount_clp=on_credit,
                kind=AccountEntry.Kind.CHARGE,
                sale=sale,
                reason=str,
            )
            if on_credit
            else None,
            number=offline.number if offline else None,
        )
    )
    if offline:
        _offline_conflicts(sale=sale, priced=priced, block=block, session=session, offline=offline)
    # The rows just saved are the sale's: its answer (sales.api.sale_out) reads them from
    # here instead of querying them back (quantities already carry the 3 places the
    # database gives back).
    sale._prefetched_objects_cache = {}
    for name, rows in (("lines", line_rows), ("payments", payments)):
        saved = getattr(sale, name).all()  # what prefetch_related would leave: a
        saved._result_cache, saved._prefetch_done = rows, True  # filled queryset
        sale._prefetched_objects_cache[name] = saved
    return sale


@transaction.atomic
def ticket_park(*, terminal: Terminal, cashier: User, label: str, payload: dict) -> ParkedTicket:
    if not payload.get("lines"):
        raise SaleRejected(_("No se puede dejar en espera un ticket vacío."))
    return ParkedTicket.objects.create(
        terminal=terminal, cashier=cashier, label=label[:60], payload=payload
    )


@transaction.atomic
def ticket_resume(*, terminal: Terminal, ticket_id: int) -> dict:
    """Take a parked ticket back to the till; it leaves the waiting list."""
    ticket = (
        ParkedTicket.objects.select_for_update().filter(pk=ticket_id, terminal=terminal).first()
    )
    if ticket is None:
        raise SaleRejected(_("El ticket en espera ya no existe (¿lo retomó otra persona?)."))
    payload = ticket.payload
    ticket.delete()
    return payload


@transaction.atomic
def ticket_cancel(
    *,
    terminal: Terminal,
    cashier: User,
    approval_id: int | None,
    total_clp: int,
    lines: list[str],
) -> Approval | None:
    """The cashier drops the whole ticket before charging it (the customer left).

    An unsaved ticket lives only at the till, so the record of its cancellation is the
    supervisor's ``cancelar_ticket`` approval, used here: who asked, who approved, at
    which terminal, the total it covered and the products (in its detail). A supervisor
    at the till is the approver and needs none; nothing is recorded then, as for a line
    void. A ticket without lines needs nothing at all (the till does not ask).
    """
    if isinstance(total_clp, bool) or not isinstance(total_clp, int) or total_clp < 0:
        raise SaleRejected(_("El total del ticket no es válido."))
    if role_at_least(cashier, Role.SUPERVISOR):
        return None
    summary = _("Ticket cancelado (%(total)s): %(lines)s") % {
        "total": format_clp(total_clp),
        "lines": ", ".join(str(name)[:40] for name in lines[:20]) or "—",
    }
    return approval_consume(
        approval_id=approval_id,
        action=ApprovalAction.CANCEL_TICKET,
        requested_by=cashier,
        terminal=terminal,
        amount_clp=total_clp or None,
        detail=summary,
    )
