"""Audit checks of the cash app: the Z reports' hash chain, numbering and totals.

Registered with `itplus audit` (itplus.core.audit) from CashConfig.ready().
"""

from __future__ import annotations

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.audit import AuditContext, AuditProblem, register_check
from itplus.core.integrity import GENESIS_HASH, chain_hash
from itplus.store.cash.models import CashSession, ZCounter, ZReport
from itplus.store.cash.reports import cash_report_compute, z_chain_payload

# Figures compared between a Z and its session's documents, with their Spanish names.
COMPARED = {
    "ticket_count": "tickets",
    "sales_total_clp": "total de ventas",
    "by_method": "totales por medio de pago",
    "by_series": "totales por serie",
    "discounts_clp": "descuentos",
    "cash_rounding_clp": "redondeo",
    "net_clp": "neto",
    "iva_clp": "IVA",
    "ila_clp": "ILA",
    "exempt_clp": "exento",
    "voided_count": "anulaciones",
    "voided_total_clp": "total anulado",
    "cash_sales_clp": "ventas en efectivo",
    "cash_in_clp": "ingresos",
    "cash_out_clp": "egresos",
    "contributions": "devoluciones y notas de crédito",
    "opening_float_clp": "fondo inicial",
    "expected_cash_clp": "efectivo esperado",
}


def _label(number: int) -> str:
    return _("Informe Z N° %(number)s") % {"number": number}


@register_check
def check_z_reports(ctx: AuditContext) -> Iterator[AuditProblem]:
    """Every Z: its link in the chain, gapless numbers, columns equal to its stored
    detail, and that detail equal to its session's documents summed again."""
    using = ctx.using
    expected_previous = GENESIS_HASH
    previous_number = 0
    chain_broken = False
    for z in (
        ZReport.objects.using(using)
        .select_related("session__terminal", "session__opened_by")
        .order_by("number")
        .iterator(chunk_size=200)
    ):
        ctx.count("informes Z")
        label = _label(z.number)
        if z.number != previous_number + 1:
            yield AuditProblem(
                "z_numeracion",
                _("%(doc)s: faltan informes Z antes de este (el anterior es el N° %(prev)s).")
                % {"doc": label, "prev": previous_number},
                label,
            )
        if not chain_broken:
            if z.previous_hash != expected_previous:
                chain_broken = True
                yield AuditProblem(
                    "z_cadena",
                    _(
                        "%(doc)s: la cadena de informes Z está rota (falta o se alteró uno anterior)."
                    )
                    % {"doc": label},
                    label,
                )
            elif chain_hash(z.previous_hash, z_chain_payload(z), read_back=True) != z.chain_hash:
                chain_broken = True
                yield AuditProblem(
                    "z_cadena",
                    _(
                        "%(doc)s: el informe fue modificado después de emitido (su huella no coincide)."
                    )
                    % {"doc": label},
                    label,
                )
        expected_previous = z.chain_hash
        previous_number = z.number

        data = z.data or {}
        if (
            z.ticket_count != data.get("ticket_count")
            or z.sales_total_clp != data.get("sales_total_clp")
            or z.expected_cash_clp != data.get("expected_cash_clp")
            or z.difference_clp != z.counted_cash_clp - z.expected_cash_clp
        ):
            yield AuditProblem(
                "z_totales",
                _("%(doc)s: sus totales no coinciden con su propio detalle.") % {"doc": label},
                label,
            )
        recomputed = cash_report_compute(session=z.session, using=using).data()
        differing = [name for key, name in COMPARED.items() if recomputed.get(key) != data.get(key)]
        if differing:
            yield AuditProblem(
                "z_totales",
                _(
                    "%(doc)s: no coincide con los documentos de su sesión de caja (%(what)s): "
                    "¿se modificó o anuló un documento después del cierre?"
                )
                % {"doc": label, "what": ", ".join(differing)},
                label,
            )
        if z.session.status != CashSession.Status.CLOSED:
            yield AuditProblem(
                "z_totales",
                _("%(doc)s: su sesión de caja figura abierta.") % {"doc": label},
                label,
            )

    counter = ZCounter.objects.using(using).filter(code="z").first()
    if counter is not None and (
        counter.last_hash != expected_previous or counter.next_number != previous_number + 1
    ):
        yield AuditProblem(
            "z_cadena",
            _(
                "Informes Z: el contador (próximo N° %(next)s) no corresponde al último informe "
                "(N° %(last)s)."
            )
            % {"next": counter.next_number, "last": previous_number},
            _("Informes Z"),
        )
    for session in (
        CashSession.objects.using(using)
        .filter(status=CashSession.Status.CLOSED, z_report__isnull=True)
        .select_related("terminal")
        .iterator()
    ):
        ctx.count("sesiones cerradas sin Z")
        yield AuditProblem(
            "z_numeracion",
            _(
                "La sesión de caja de %(terminal)s del %(date)s está cerrada pero no tiene informe Z."
            )
            % {
                "terminal": session.terminal.name,
                "date": f"{timezone.localtime(session.opened_at):%d-%m-%Y}",
            },
            str(session),
        )
