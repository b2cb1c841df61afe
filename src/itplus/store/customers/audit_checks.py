"""`itplus audit` checks of customer accounts (store credit, "fiado").

- cuenta: each customer's balance equals the sum of their entries, and each entry's
  ``balance_after_clp`` is the running sum in posting order.
- fiado: what a sale put on the account (its "cuenta_corriente" payments) equals the
  charges posted for that sale.
- rut: every stored RUT is valid (módulo 11) and in the stored form "12345678-5".
"""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Sum
from django.utils.translation import gettext as _

from itplus.core.chile import InvalidRut, rut_validate
from itplus.core.money import format_clp
from itplus.store.customers.models import AccountEntry, Customer
from itplus.store.maintenance.audit import AuditContext, AuditProblem, register_check
from itplus.store.sales.models import Payment, PaymentMethod


@register_check
def customer_accounts(ctx: AuditContext) -> Iterator[AuditProblem]:
    customers = Customer.objects.using(ctx.using).order_by("pk")
    balances = dict(customers.values_list("pk", "balance_clp").iterator())
    names = dict(customers.values_list("pk", "rut").iterator())
    running: dict[int, int] = {}
    broken: set[int] = set()
    entries = (
        AccountEntry.objects.using(ctx.using)
        .order_by("customer_id", "created_at", "id")
        .values_list("pk", "customer_id", "amount_clp", "balance_after_clp")
    )
    for pk, customer_id, amount, balance_after in entries.iterator(chunk_size=2000):
        ctx.count("movimientos de cuenta corriente")
        running[customer_id] = running.get(customer_id, 0) + amount
        if running[customer_id] != balance_after and customer_id not in broken:
            broken.add(customer_id)  # one message per customer is enough
            yield AuditProblem(
                "cuenta",
                _(
                    "Cuenta del cliente %(rut)s: el movimiento %(id)s dice saldo %(stated)s "
                    "pero la suma de los movimientos da %(sum)s."
                )
                % {
                    "rut": names.get(customer_id, customer_id),
                    "id": pk,
                    "stated": format_clp(balance_after),
                    "sum": format_clp(running[customer_id]),
                },
            )
    for customer_id, balance in balances.items():
        ctx.count("clientes")
        if running.get(customer_id, 0) != balance:
            yield AuditProblem(
                "cuenta",
                _(
                    "Cliente %(rut)s: la deuda registrada (%(balance)s) no es la suma de sus "
                    "movimientos (%(sum)s)."
                )
                % {
                    "rut": names[customer_id],
                    "balance": format_clp(balance),
                    "sum": format_clp(running.get(customer_id, 0)),
                },
            )


@register_check
def credit_sales_charged(ctx: AuditContext) -> Iterator[AuditProblem]:
    on_credit = dict(
        Payment.objects.using(ctx.using)
        .filter(method=PaymentMethod.STORE_CREDIT)
        .values("sale_id")
        .annotate(total=Sum("amount_clp"))
        .values_list("sale_id", "total")
        .iterator()
    )
    charged = dict(
        AccountEntry.objects.using(ctx.using)
        .filter(kind=AccountEntry.Kind.CHARGE, sale__isnull=False)
        .values("sale_id")
        .annotate(total=Sum("amount_clp"))
        .values_list("sale_id", "total")
        .iterator()
    )
    for sale_id in sorted(on_credit.keys() | charged.keys()):
        ctx.count("ventas fiadas")
        if on_credit.get(sale_id, 0) != charged.get(sale_id, 0):
            yield AuditProblem(
                "fiado",
                _(
                    "La venta %(id)s se pagó %(paid)s con cuenta corriente pero se cargaron "
                    "%(charged)s a la cuenta del cliente."
                )
                % {
                    "id": sale_id,
                    "paid": format_clp(on_credit.get(sale_id, 0)),
                    "charged": format_clp(charged.get(sale_id, 0)),
                },
                document=str(sale_id),
            )


@register_check
def customer_ruts(ctx: AuditContext) -> Iterator[AuditProblem]:
    for pk, rut in Customer.objects.using(ctx.using).values_list("pk", "rut").iterator():
        ctx.count("RUT de clientes")
        try:
            compact = rut_validate(rut)
            ok = rut == f"{compact[:-1]}-{compact[-1]}"
        except InvalidRut:
            ok = False
        if not ok:
            yield AuditProblem(
                "rut",
                _("El cliente %(id)s tiene un RUT no válido: «%(rut)s».") % {"id": pk, "rut": rut},
            )
