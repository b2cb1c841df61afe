"""X and Z reports on the thermal printer, through the print pipeline.

``report_lines`` turns a ``CashReport`` into the lines the printer draws; the HTML page
(templates/cash/report.html) shows the same figures in the same order. ``z_printout`` is
a closed session's Z as the pipeline (``itplus.store.printing``) takes it.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from itplus.core.money import format_clp, format_signed_clp
from itplus.store.cash.models import ZReport
from itplus.store.cash.reports import CashReport, cash_report_from_z
from itplus.store.config import get_config
from itplus.store.printing.documents import PrintLine, Printout
from itplus.store.printing.models import PrintedDocument


def _when(value) -> str:
    return timezone.localtime(value).strftime("%d-%m-%Y %H:%M") if value else ""


def difference_label(difference_clp: int) -> str:
    if difference_clp > 0:
        return _("Sobrante")
    if difference_clp < 0:
        return _("Faltante")
    return _("Sin diferencia")


def report_lines(report: CashReport) -> list[PrintLine]:
    """The report as printer lines: header, sales, payments, series, cash, count."""
    store = get_config().store
    rule = PrintLine(rule=True)
    lines = [
        PrintLine(store.name, bold=True, center=True, big=True),
        PrintLine(_("RUT: %(rut)s") % {"rut": store.rut}, center=True),
        PrintLine(
            (_("INFORME Z N° %(number)s") % {"number": report.z_number})
            if report.is_z
            else _("INFORME X (NO FISCAL)"),
            bold=True,
            center=True,
        ),
        rule,
        PrintLine(_("Caja"), report.terminal),
        PrintLine(_("Apertura"), _when(report.opened_at)),
        PrintLine(_("Abrió"), report.opened_by),
    ]
    if report.is_z:
        lines += [
            PrintLine(_("Cierre"), _when(report.closed_at)),
            PrintLine(_("Cerró"), report.closed_by),
        ]
    else:
        lines.append(PrintLine(_("Emitido"), _when(timezone.now())))
    lines += [
        rule,
        PrintLine(_("VENTAS"), bold=True),
        PrintLine(_("Tickets"), str(report.ticket_count)),
        PrintLine(_("Bruto"), format_clp(report.gross_clp)),
        PrintLine(_("Descuentos"), format_clp(-report.discounts_clp)),
        PrintLine(_("Total ventas"), format_clp(report.sales_total_clp), bold=True),
        PrintLine(_("Redondeo Ley 20.956"), format_signed_clp(report.cash_rounding_clp)),
        PrintLine(_("Total cobrado"), format_clp(report.charged_total_clp), bold=True),
        PrintLine(_("Neto"), format_clp(report.net_clp)),
        PrintLine(_("IVA"), format_clp(report.iva_clp)),
        PrintLine(_("ILA"), format_clp(report.ila_clp)),
        PrintLine(_("Exento"), format_clp(report.exempt_clp)),
        PrintLine(
            _("Anuladas (%(count)s)") % {"count": report.voided_count},
            format_clp(report.voided_total_clp),
        ),
        rule,
        PrintLine(_("MEDIOS DE PAGO"), bold=True),
    ]
    lines += [
        PrintLine(f"{m.label} ({m.count})", format_clp(m.amount_clp)) for m in report.by_method
    ]
    lines += [rule, PrintLine(_("DOCUMENTOS"), bold=True)]
    for s in report.by_series:
        lines += [
            PrintLine(f"{s.name} ({s.code})", format_clp(s.total_clp)),
            PrintLine(
                "  "
                + _("N° %(first)s a %(last)s · %(issued)s · %(voided)s")
                % {
                    "first": s.first_number,
                    "last": s.last_number,
                    "issued": ngettext("%(n)s emitido", "%(n)s emitidos", s.count) % {"n": s.count},
                    "voided": ngettext("%(n)s anulado", "%(n)s anulados", s.voided_count)
                    % {"n": s.voided_count},
                }
            ),
        ]
    for c in report.contributions:
        lines.append(PrintLine(f"{c['label']} ({c['count']})", format_clp(c["total_clp"])))
    lines += [
        rule,
        PrintLine(_("EFECTIVO"), bold=True),
        PrintLine(_("Fondo inicial"), format_clp(report.opening_float_clp)),
        PrintLine(_("Ventas en efectivo"), format_clp(report.cash_sales_clp)),
        PrintLine(_("Ingresos"), format_clp(report.cash_in_clp)),
        PrintLine(_("Egresos"), format_clp(-report.cash_out_clp)),
    ]
    if report.cash_refunds_clp:
        lines.append(PrintLine(_("Devoluciones en efectivo"), format_clp(-report.cash_refunds_clp)))
    lines.append(PrintLine(_("Efectivo esperado"), format_clp(report.expected_cash_clp), bold=True))
    if report.is_z:
        lines += [rule, PrintLine(_("CONTEO"), bold=True)]
        lines += [
            PrintLine(f"{format_clp(c.value_clp)} x {c.pieces}", format_clp(c.amount_clp))
            for c in report.counts
            if c.pieces
        ]
        lines += [
            PrintLine(_("Efectivo contado"), format_clp(report.counted_cash_clp), bold=True),
            PrintLine(
                difference_label(report.difference_clp),
                format_signed_clp(report.difference_clp),
                bold=True,
            ),
        ]
    return lines


def z_printout(*, z_id: int, copy: bool = False) -> Printout:
    """A closed session's Z as the print pipeline takes it; a copy (printed again from
    the back office) says so under its title."""
    z = ZReport.objects.select_related("session__terminal", "session__opened_by", "closed_by").get(
        pk=z_id
    )
    report = cash_report_from_z(z=z)
    lines = report_lines(report)
    if copy:
        lines.insert(3, PrintLine(_("*** COPIA ***"), bold=True, center=True))
    return Printout(
        document=PrintedDocument.Z_REPORT,
        document_id=z_id,
        label=_("Informe Z N° %(number)s") % {"number": report.z_number},
        body=tuple(lines),
        is_copy=copy,
    )
