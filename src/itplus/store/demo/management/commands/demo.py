"""``itplus demo``: load the demo minimarket (idempotent)."""

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.money import format_clp
from itplus.store.demo import data
from itplus.store.demo.services import DEFAULT_SEED, demo_load


class Command(BaseCommand):
    help = _(
        "Crea una tienda de demostración (Minimarket Don Pepe): usuarios, cajas, más de 300 "
        "productos, proveedores y clientes, y 30 días de ventas, cierres de caja, compras y "
        "devoluciones. Si ya hay productos, no hace nada."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=30, help=_("Días de historial de ventas (30).")
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=_("Semilla aleatoria."))

    def handle(self, *args, days: int, seed: int, **options) -> None:
        if days < 0:
            self.stderr.write(_("--days no puede ser negativo."))
            raise SystemExit(2)
        self.stdout.write(_("Creando la tienda de demostración…"))
        summary = demo_load(days=days, seed=seed)
        if summary is None:
            self.stdout.write(
                _(
                    "La tienda ya tiene productos: los datos de demostración ya existen (o es una "
                    "tienda real). No se cambió nada."
                )
            )
            return
        lines = [
            _("%(store)s lista en %(seconds).1f s:")
            % {"store": data.STORE["name"], "seconds": summary.seconds},
            _("  %(products)s productos en %(categories)s categorías")
            % {"products": summary.products, "categories": summary.categories},
            _("  %(sales)s ventas por %(total)s en %(days)s días")
            % {"sales": summary.sales, "total": format_clp(summary.sales_total_clp), "days": days},
        ]
        lines += [
            _("  %(z)s cierres de caja con informe Z; %(open)s cajas abiertas hoy")
            % {"z": summary.z_reports, "open": summary.open_sessions},
            _("  %(notes)s notas de crédito (devoluciones y una anulación)")
            % {"notes": summary.credit_notes},
            _("  %(customers)s clientes con fiado y %(payments)s abonos")
            % {"customers": summary.customers_on_credit, "payments": summary.account_payments},
            _("  %(orders)s órdenes de compra y %(receipts)s recepciones de mercadería")
            % {"orders": summary.purchase_orders, "receipts": summary.goods_receipts},
        ]
        if summary.first_sale:
            lines.append(
                _("  desde %(first)s hasta %(last)s")
                % {
                    "first": timezone.localtime(summary.first_sale).strftime("%d-%m-%Y %H:%M"),
                    "last": timezone.localtime(summary.last_sale).strftime("%d-%m-%Y %H:%M"),
                }
            )
        lines.append("")
        lines.append(
            _("Usuarios (contraseñas solo para la demostración; cámbielas en una tienda real):")
        )
        for user in data.USERS:
            pin = _(", PIN %(pin)s") % {"pin": user.pin} if user.pin else ""
            lines.append(
                _("  %(username)s / %(password)s — %(role)s%(pin)s")
                % {
                    "username": user.username,
                    "password": user.password,
                    "role": user.role,
                    "pin": pin,
                }
            )
        lines.append(_("Cajas (token de la API):"))
        for code, name, token in data.TERMINALS:
            lines.append(
                _("  %(name)s (%(code)s): %(token)s") % {"name": name, "code": code, "token": token}
            )
        self.stdout.write("\n".join(lines))
