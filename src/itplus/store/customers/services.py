"""Customer writes: customers with a validated RUT, their credit limit, and the store-credit
account ("fiado" / cuenta corriente) charged by sales and paid into by the customer.

Decisions a Chilean almacén would recognise:

- The RUT is stored clean with its dash ("12345678-5") and shown "12.345.678-5"; it is
  typed any way (dots or not, dash or not, k or K) and checked by ``core.chile``.
- Comuna: any non-empty text is accepted (customers come from all over Chile and the
  core only knows Gran Santiago); a Gran Santiago commune is stored in its official
  spelling ("nunoa" → "Ñuñoa"), other text is only trimmed.
- A factura needs a buyer with RUT, razón social, giro, dirección and comuna
  (``customer_factura_check``, called by the sale itself, so the till, the API and the
  back office get the same refusal). A customer needs only RUT and name otherwise; the
  back office refuses a giro without dirección and comuna (``factura_data_incomplete``).
- The anonymous final consumer (66.666.666-6) is one row that is never edited, never
  given credit and never charged.
- The credit limit is set by a supervisor or administrator; lowering it under the
  current debt is allowed (it stops further credit, the debt stays).
- A payment larger than the debt is refused with a message showing the debt, unless the
  caller explicitly records the excess as "saldo a favor" (``allow_credit_balance``):
  the balance then goes negative and the next purchases on credit use it up.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itplus.core.chile import gran_santiago_commune, rut_format, rut_validate
from itplus.core.errors import BusinessError
from itplus.core.money import format_clp
from itplus.core.text import fold
from itplus.store.accounts.models import Role
from itplus.store.accounts.permissions import PermissionRefused, require_role
from itplus.store.cash.models import CashMovement
from itplus.store.cash.selectors import cash_session_current
from itplus.store.cash.services import cash_movement_record
from itplus.store.customers.models import (
    FACTURA_BUYER_FIELDS,
    FINAL_CONSUMER_RUT,
    AccountEntry,
    Customer,
)


class CustomerError(BusinessError):
    code = "cliente_invalido"


class FacturaBuyerIncomplete(BusinessError):
    code = "factura_sin_datos_comprador"
    status = 422


class CreditLimitExceeded(BusinessError):
    code = "cupo_excedido"
    status = 409


class PaymentRefused(BusinessError):
    code = "abono_rechazado"


class NotAllowed(PermissionRefused):
    code = "no_autorizado_rol"
    status = 403


# Methods a customer may pay the account with (not "cuenta_corriente" itself).
PAYMENT_METHODS = {
    "efectivo": gettext_lazy("Efectivo"),
    "debito": gettext_lazy("Débito"),
    "credito": gettext_lazy("Crédito"),
    "transferencia": gettext_lazy("Transferencia"),
}
CASH = "efectivo"

EDITABLE_FIELDS = ("rut", "name", "giro", "address", "comuna", "email", "phone", "is_active")
_MAX_LENGTHS = {"name": 120, "giro": 120, "address": 160, "comuna": 60, "phone": 30}


def rut_to_stored(value: str) -> str:
    """The RUT as stored, "12345678-5"; InvalidRut (Spanish) if it is not valid."""
    compact = rut_validate(value)
    return f"{compact[:-1]}-{compact[-1]}"


def comuna_normalize(value: str) -> str:
    """Official spelling for a Gran Santiago commune, otherwise the text trimmed."""
    text = " ".join((value or "").split())
    return gran_santiago_commune(text) or text


def final_consumer() -> Customer:
    """The final consumer's row (made by a data migration; recreated if missing)."""
    customer = Customer.objects.filter(rut=FINAL_CONSUMER_RUT).first()
    if customer is None:
        customer, _created = Customer.objects.get_or_create(
            rut=FINAL_CONSUMER_RUT,
            defaults={"name": _("Consumidor final"), "search_text": "consumidor final"},
        )
    return customer


def customer_clean_fields(fields: dict) -> dict:
    """Validate and normalise customer fields; raises CustomerError / InvalidRut."""
    clean = {}
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise CustomerError(_("Campo desconocido: %(field)s.") % {"field": name})
        if name == "is_active":
            clean[name] = bool(value)
            continue
        text = " ".join(str(value or "").split())
        if name == "rut":
            text = rut_to_stored(text)
        elif name == "name" and not text:
            raise CustomerError(_("Ingrese el nombre o la razón social del cliente."))
        elif name == "comuna":
            text = comuna_normalize(text)
        elif name == "email" and text:
            text = text.lower()
            try:
                validate_email(text)
            except ValidationError:
                raise CustomerError(
                    _("«%(email)s» no es un correo válido, por ejemplo nombre@dominio.cl.")
                    % {"email": text}
                )
        limit = _MAX_LENGTHS.get(name)
        if limit and len(text) > limit:
            raise CustomerError(
                _("El campo «%(field)s» admite hasta %(max)d caracteres.")
                % {"field": str(Customer._meta.get_field(name).verbose_name), "max": limit}
            )
        clean[name] = text
    if "name" in clean:
        clean["search_text"] = fold(clean["name"])[:120]
    return clean


def factura_field_labels(names: list[str]) -> str:
    """ "giro, dirección y comuna": the fields' names as the form labels them."""
    labels = [str(Customer._meta.get_field(name).verbose_name) for name in names]
    if len(labels) < 2:
        return "".join(labels)
    return _("%(first)s y %(last)s") % {"first": ", ".join(labels[:-1]), "last": labels[-1]}


def factura_data_incomplete(fields: dict) -> list[str]:
    """With a giro (a business that will ask for facturas), the dirección and comuna it
    also needs and lacks; [] otherwise. A person's comuna alone is fine."""
    if not str(fields.get("giro") or "").strip():
        return []
    return [name for name in ("address", "comuna") if not str(fields.get(name) or "").strip()]


def customer_factura_check(customer: Customer | None) -> None:
    """FacturaBuyerIncomplete (422) unless ``customer`` can be a factura's buyer: an
    identified customer with RUT, razón social, giro, dirección and comuna."""
    if customer is None or customer.is_final_consumer:
        raise FacturaBuyerIncomplete(
            _(
                "Una factura necesita un cliente identificado con RUT, razón social, giro, "
                "dirección y comuna."
            )
        )
    missing = customer.factura_missing_fields
    if missing:
        raise FacturaBuyerIncomplete(
            _("Para emitir una factura a %(name)s faltan sus datos: %(fields)s.")
            % {
                "name": customer.name or customer.rut_display,
                "fields": factura_field_labels(missing),
            }
        )


def customer_check_rut_free(*, rut: str, exclude_pk: int | None = None) -> None:
    """CustomerError unless the (stored-form) RUT is free for a new or edited customer."""
    if rut == FINAL_CONSUMER_RUT:
        raise CustomerError(
            _("66.666.666-6 es el consumidor final: ya existe y no se crea como cliente.")
        )
    other = Customer.objects.filter(rut=rut).exclude(pk=exclude_pk).first()
    if other is not None:
        raise CustomerError(
            _("Ya existe un cliente con RUT %(rut)s: %(name)s.")
            % {"rut": rut_format(rut), "name": other.name},
            code="rut_duplicado",
        )


def require_supervisor(user: User | None, what: str) -> None:
    require_role(user, Role.SUPERVISOR, what=what, error=NotAllowed)


def _validate_limit(credit_limit_clp) -> int:
    if isinstance(credit_limit_clp, bool) or not isinstance(credit_limit_clp, int):
        raise CustomerError(_("El cupo de crédito debe ser un monto entero en pesos."))
    if credit_limit_clp < 0:
        raise CustomerError(_("El cupo de crédito no puede ser negativo."))
    return credit_limit_clp


@transaction.atomic
def customer_create(
    *,
    rut: str,
    name: str,
    giro: str = "",
    address: str = "",
    comuna: str = "",
    email: str = "",
    phone: str = "",
    credit_limit_clp: int = 0,
    user: User | None = None,
) -> Customer:
    """Create a customer with a valid, unique RUT and a name.

    Anyone at the till may create one without credit; a credit limit above zero needs a
    supervisor or administrator as ``user``. Bad input raises a Spanish error and
    creates nothing.
    """
    fields = customer_clean_fields(
        {
            "rut": rut,
            "name": name,
            "giro": giro,
            "address": address,
            "comuna": comuna,
            "email": email,
            "phone": phone,
        }
    )
    if _validate_limit(credit_limit_clp) > 0:
        require_supervisor(user, _("asignar cupo de crédito"))
    customer_check_rut_free(rut=fields["rut"])
    try:
        with transaction.atomic():
            return Customer.objects.create(credit_limit_clp=credit_limit_clp, **fields)
    except IntegrityError:  # the same RUT created at another till a moment ago
        customer_check_rut_free(rut=fields["rut"])
        raise


@transaction.atomic
def customer_update(*, customer: Customer, user: User | None = None, **fields) -> Customer:
    """Change a customer's data (RUT included, re-validated and unique).

    The final consumer cannot be edited. The balance and credit limit are not fields
    here: they change through the account and ``customer_credit_limit_set``.
    """
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.is_final_consumer:
        raise CustomerError(_("El consumidor final (66.666.666-6) no se modifica."))
    clean = customer_clean_fields(fields)
    if "rut" in clean and clean["rut"] != locked.rut:
        customer_check_rut_free(rut=clean["rut"], exclude_pk=locked.pk)
    for name, value in clean.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(clean) or None)
    return locked


@transaction.atomic
def customer_complete(*, customer: Customer, user: User | None = None, **fields) -> Customer:
    """Fill in a customer's missing data at the till (a factura's giro, dirección…).

    Only blank fields are filled, so whoever is at the till completes a customer but
    never rewrites what is on record (that is the back office's customer form); the
    same field checks as ``customer_update``. The RUT is not among them.
    """
    unknown = set(fields) - set(FACTURA_BUYER_FIELDS[1:]) - {"email", "phone"}
    if unknown:
        raise CustomerError(
            _("Campo desconocido: %(field)s.") % {"field": ", ".join(sorted(unknown))}
        )
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.is_final_consumer:
        raise CustomerError(_("El consumidor final (66.666.666-6) no se modifica."))
    clean = customer_clean_fields({k: v for k, v in fields.items() if str(v or "").strip()})
    clean.pop("search_text", None)
    for name, value in clean.items():
        current = getattr(locked, name)
        if current and current != value:
            raise CustomerError(
                _(
                    "El campo «%(field)s» de %(name)s ya está registrado (%(current)s): "
                    "cámbielo en la gestión de clientes."
                )
                % {
                    "field": str(Customer._meta.get_field(name).verbose_name),
                    "name": locked.name,
                    "current": current,
                }
            )
    return customer_update(
        customer=locked,
        user=user,
        **{name: value for name, value in clean.items() if not getattr(locked, name)},
    )


@transaction.atomic
def customer_credit_limit_set(*, customer: Customer, credit_limit_clp: int, user: User) -> Customer:
    """Set how much the customer may owe. Supervisor or administrator only; never
    negative; not for the final consumer. A limit under the current debt is allowed:
    it stops further credit until the debt is paid down."""
    require_supervisor(user, _("cambiar el cupo de crédito"))
    _validate_limit(credit_limit_clp)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.is_final_consumer:
        raise CustomerError(_("No se da crédito al consumidor final: identifique al cliente."))
    locked.credit_limit_clp = credit_limit_clp
    locked.save(update_fields=["credit_limit_clp"])
    customer.credit_limit_clp = credit_limit_clp
    return locked


@transaction.atomic
def customer_account_post(
    *,
    customer: Customer,
    amount_clp: int,
    kind: str,
    user: User,
    sale=None,
    reason: str = "",
    method: str = "",
    terminal=None,
    cash_movement=None,
    at: datetime | None = None,
) -> AccountEntry:
    """Post an entry to a customer's account (+ charge, − payment/credit).

    The customer row is locked, so concurrent sales on credit cannot together exceed
    the limit; a charge over the available credit is refused with a Spanish message.
    The balance always equals the sum of the entries (``balance_after_clp`` is the
    running balance).
    """
    if amount_clp == 0:
        raise BusinessError(_("El monto no puede ser cero."))
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if amount_clp > 0:
        if locked.is_final_consumer:
            raise CreditLimitExceeded(
                _("No se puede fiar al consumidor final: identifique al cliente.")
            )
        available = locked.credit_limit_clp - locked.balance_clp
        if amount_clp > available:
            raise CreditLimitExceeded(
                _("%(name)s no tiene cupo: disponible %(available)s, se piden %(amount)s.")
                % {
                    "name": locked.name,
                    "available": format_clp(max(available, 0)),
                    "amount": format_clp(amount_clp),
                }
            )
    locked.balance_clp += amount_clp
    locked.save(update_fields=["balance_clp"])
    customer.balance_clp = locked.balance_clp
    return AccountEntry.objects.create(
        customer=locked,
        kind=kind,
        amount_clp=amount_clp,
        balance_after_clp=locked.balance_clp,
        sale=sale,
        user=user,
        reason=reason[:200],
        method=method,
        terminal=terminal,
        cash_movement=cash_movement,
        created_at=at or timezone.now(),
    )


@transaction.atomic
def customer_payment_record(
    *,
    customer: Customer,
    amount_clp: int,
    method: str,
    user: User,
    terminal=None,
    allow_credit_balance: bool = False,
    reason: str = "",
) -> AccountEntry:
    """Record a payment ("abono") against the customer's debt.

    The amount must be a positive integer and at most the debt; the excess of a larger
    payment is only accepted as "saldo a favor" when ``allow_credit_balance`` says so
    (the cashier asked the customer). The customer row is locked while checking, so two
    payments at once cannot both pay the same debt. Refusals change nothing.

    A cash payment received at a terminal also enters that terminal's drawer as a cash
    movement (ingreso) of its open session, linked to the entry, so the Z report expects
    the money; with no open session it is refused. Without a terminal (the back office)
    no drawer is touched.
    """
    if isinstance(amount_clp, bool) or not isinstance(amount_clp, int) or amount_clp <= 0:
        raise PaymentRefused(_("El abono debe ser un monto mayor que cero."))
    if method not in PAYMENT_METHODS:
        raise PaymentRefused(
            _("Medio de pago no válido para un abono: use %(methods)s.")
            % {"methods": ", ".join(str(label) for label in PAYMENT_METHODS.values())}
        )
    cash_movement = None
    if method == CASH and terminal is not None:
        # Lock order: cash session → customer.
        session = cash_session_current(terminal=terminal, lock=True)
        if session is None:
            raise PaymentRefused(
                _("La caja %(terminal)s no está abierta: abra la caja para recibir efectivo.")
                % {"terminal": terminal.name}
            )
        cash_movement = cash_movement_record(
            session=session,
            kind=CashMovement.Kind.IN,
            amount_clp=amount_clp,
            reason=_("Abono cuenta corriente: %(name)s") % {"name": customer.name[:150]},
            user=user,
        )
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.is_final_consumer:
        raise PaymentRefused(_("El consumidor final no tiene cuenta corriente."))
    debt = max(locked.balance_clp, 0)
    excess = amount_clp - debt
    if excess > 0 and not allow_credit_balance:
        if debt == 0:
            raise PaymentRefused(
                _(
                    "%(name)s no tiene deuda. Para dejar %(amount)s como saldo a favor, "
                    "márquelo explícitamente."
                )
                % {"name": locked.name, "amount": format_clp(amount_clp)}
            )
        raise PaymentRefused(
            _(
                "El abono (%(amount)s) supera la deuda de %(name)s: %(debt)s. Cobre la "
                "deuda o marque el excedente (%(excess)s) como saldo a favor."
            )
            % {
                "amount": format_clp(amount_clp),
                "name": locked.name,
                "debt": format_clp(debt),
                "excess": format_clp(excess),
            }
        )
    detail = reason.strip() or _("Abono en %(method)s") % {"method": PAYMENT_METHODS[method]}
    if excess > 0:
        detail = _("%(detail)s (incluye %(excess)s de saldo a favor)") % {
            "detail": detail,
            "excess": format_clp(excess),
        }
    entry = customer_account_post(
        customer=locked,
        amount_clp=-amount_clp,
        kind=AccountEntry.Kind.PAYMENT,
        user=user,
        reason=detail,
        method=method,
        terminal=terminal,
        cash_movement=cash_movement,
    )
    customer.balance_clp = locked.balance_clp
    return entry
