"""`itplus audit` checks of customer accounts (store credit, "fiado").

- cuenta: each customer's balance equals the sum of their entries, and each entry's
  ``balance_after_clp`` is the running sum in posting order.
- rut: every stored RUT is valid (módulo 11) and in the stored form "12345678-5".
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils.translation import gettext as _

from itplus.core.audit import AuditContext, AuditProblem, register_check
from itplus.core.chile import InvalidRut, rut_validate
from itplus.core.money import format_clp
from itplus.store.customers.models import AccountEntry, Customer


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
