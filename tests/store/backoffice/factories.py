"""Back-office test data made through the real services: a printed receipt, a purchase
received and invoiced."""

from __future__ import annotations

import socket
import threading

from django.conf import settings
from django.utils import timezone

from itplus.store.config import config_section_set
from itplus.store.printing.services import print_now
from itplus.store.purchases.services import iva_of, supplier_invoice_record
from itplus.store.sales.receipts import sale_printout
from tests.store.purchases.factories import make_order, make_supplier, receive


def print_once(sale) -> None:
    """The sale's receipt sent to a printer played by a local socket (a PrintJob)."""
    server = socket.create_server(("127.0.0.1", 0))
    threading.Thread(target=lambda: server.accept()[0].recv(1 << 20), daemon=True).start()
    config_section_set(
        settings.ITPLUS_HOME,
        "printer",
        {"kind": "network", "host": "127.0.0.1", "port": server.getsockname()[1]},
    )
    try:
        print_now(sale_printout(sale_id=sale.pk))
    finally:
        config_section_set(settings.ITPLUS_HOME, "printer", {"kind": "none"})
        server.close()


def purchase_invoiced(*, user, product, quantity: int, net_cost_clp: int):
    """``quantity`` of ``product`` ordered, received and invoiced (folio 4512, IVA 19%)."""
    supplier = make_supplier()
    lines = [(product, quantity, net_cost_clp)]
    received = receive(
        user=user, order=make_order(supplier=supplier, user=user, lines=lines), lines=lines
    )
    net = quantity * net_cost_clp
    iva = iva_of(net)
    return supplier_invoice_record(
        supplier=supplier,
        folio=4512,
        issued_on=timezone.localdate(),
        net_clp=net,
        iva_clp=iva,
        total_clp=net + iva,
        receipts=[received],
        user=user,
    )
