"""Every back-office page, by section, as the home at /gestion/ lists them.

One list: the home renders it and a test follows every link in it. A page that is only
for the owner says so (``admin_only``) and is left out for supervisors.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url_name: str
    admin_only: bool = False

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    links: tuple[Link, ...]


SECTIONS: tuple[Section, ...] = (
    Section(
        _("Caja"),
        (
            Link(_("Sesiones de caja"), "admin:cash_cashsession_changelist"),
            Link(_("Abrir caja"), "cash:open"),
            Link(_("Ingresos y egresos de caja"), "admin:cash_cashmovement_changelist"),
            Link(_("Informes Z"), "admin:cash_zreport_changelist"),
        ),
    ),
    Section(
        _("Ventas"),
        (
            Link(_("Boletas y facturas"), "admin:sales_sale_changelist"),
            Link(_("Devoluciones y anulaciones"), "returns:index"),
            Link(_("Notas de crédito"), "admin:sales_creditnote_changelist"),
        ),
    ),
    Section(
        _("Clientes"),
        (
            Link(_("Clientes y fiado"), "admin:customers_customer_changelist"),
            Link(_("Movimientos de cuenta corriente"), "admin:customers_accountentry_changelist"),
        ),
    ),
    Section(
        _("Inventario"),
        (
            Link(_("Existencias y kárdex"), "inventory:stock_list"),
            Link(_("Bajo stock (reposición)"), "inventory:low_stock"),
            Link(_("Tomas de inventario"), "inventory:count_list"),
            Link(_("Ajustes"), "inventory:adjustment"),
            Link(_("Transferencias entre bodegas"), "inventory:transfer"),
        ),
    ),
    Section(
        _("Catálogo"),
        (
            Link(_("Productos y precios"), "admin:catalog_product_changelist"),
            Link(_("Importar lista de precios"), "catalog:price_list_import"),
        ),
    ),
    Section(
        _("Compras"),
        (
            Link(_("Órdenes de compra"), "purchases:index"),
            Link(_("Recepción de mercadería"), "purchases:receipt_create"),
            Link(_("Facturas de proveedores"), "purchases:invoice_create"),
            Link(_("Proveedores"), "admin:purchases_supplier_changelist"),
        ),
    ),
    Section(
        _("Mantención"),
        (
            Link(_("Respaldos y auditoría"), "maintenance:index"),
            Link(_("Diagnóstico de la tienda y los terminales"), "maintenance:doctor"),
            Link(_("Guía de reinstalación"), "maintenance:guide"),
            Link(_("Datos de la tienda"), "setup:store", admin_only=True),
            Link(_("Terminales y ventas en vivo"), "home:terminals", admin_only=True),
            Link(_("Personal, terminales y permisos"), "admin:index"),
        ),
    ),
)


def sections_for(*, is_admin: bool) -> list[Section]:
    """The sections with the links this person may open."""
    return [
        Section(s.title, tuple(link for link in s.links if is_admin or not link.admin_only))
        for s in SECTIONS
    ]
