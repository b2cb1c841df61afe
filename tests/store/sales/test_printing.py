"""ESC/POS receipts: the bytes (python-escpos's Dummy printer), and printing to a
network printer played by a local TCP server that, like a real one on port 9100, just
reads raw ESC/POS."""

from __future__ import annotations

import logging
import queue
import socket
import threading
import uuid

import pytest
from django.test import Client
from escpos.exceptions import DeviceNotFoundError
from escpos.printer import Dummy

from itplus.store.accounts.approvals import approval_grant
from itplus.store.config import get_config
from itplus.store.printing.escpos import receipt_escpos
from itplus.store.printing.models import PrintedDocument, PrintJob
from itplus.store.printing.services import (
    THREAD_NAME,
    print_now,
    print_on_commit,
    printout_bytes,
)
from itplus.store.sales.models import Sale
from itplus.store.sales.receipts import receipt_for_sale, sale_printout
from itplus.store.sales.services import PaymentInput
from tests.factories import make_product, make_sale, make_terminal, make_user
from tests.store.sales.factories import make_credit_note_series, make_return
from tests.store.sales.test_receipts import known_config, make_mixed_sale

pytestmark = pytest.mark.django_db

CODE_PAGE_CP858 = b"\x1bt\x13"  # ESC t 19
DRAWER_KICK = b"\x1bp"  # ESC p m t1 t2
FULL_CUT = b"\x1dV\x00"  # GS V 0


def cp858(text: str) -> bytes:
    return text.encode("cp858")


# --- fixtures ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def store_config():
    with known_config() as write:
        yield write


class FakeNetworkPrinter:
    """A TCP server on 127.0.0.1 that reads each connection to the end, as a receipt
    printer does on port 9100, and queues what it received."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.server.settimeout(0.05)  # so stop() is noticed promptly
        self.jobs: queue.Queue[bytes] = queue.Queue()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                conn, _addr = self.server.accept()
            except TimeoutError:
                continue
            except OSError:  # closed
                return
            with conn:
                conn.settimeout(10)
                chunks = []
                while data := conn.recv(65536):
                    chunks.append(data)
                self.jobs.put(b"".join(chunks))

    def next_job(self, timeout: float = 10) -> bytes:
        return self.jobs.get(timeout=timeout)

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(5)
        self.server.close()


@pytest.fixture
def network_printer(store_config):
    printer = FakeNetworkPrinter()
    store_config(kind="network", host="127.0.0.1", port=printer.port)
    yield printer
    printer.stop()


@pytest.fixture
def unreachable_printer(store_config):
    """The config points at a port where nothing listens: the connection is refused."""
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    store_config(kind="network", host="127.0.0.1", port=port)
    return port


class RecordsHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def printing_log():
    """What was logged on "itplus.printing" (attached to it directly: the "itplus"
    logger does not propagate to the root logger, where caplog listens)."""
    logger = logging.getLogger("itplus.printing")
    handler = RecordsHandler()
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def wait_for_printing() -> None:
    for thread in threading.enumerate():
        if thread.name == THREAD_NAME:
            thread.join(10)


@pytest.fixture
def mixed_sale(terminal, supervisor):
    return make_mixed_sale(terminal=terminal, cashier=supervisor)


@pytest.fixture
def debit_sale(terminal, supervisor):
    return make_mixed_sale(
        terminal=terminal, cashier=supervisor, payments=[PaymentInput("debito", 19664)]
    )


def sale_payload(product, *, method="efectivo", amount_clp=5000) -> dict:
    return {
        "client_uuid": str(uuid.uuid4()),
        "lines": [{"code": product.barcodes.first().code, "quantity": "1"}],
        "payments": [{"method": method, "amount_clp": amount_clp}],
    }


# --- bytes ------------------------------------------------------------------------


def test_bytes_carry_the_receipt_in_code_page_858(mixed_sale):
    data = printout_bytes(sale_printout(sale_id=mixed_sale.pk))

    assert data.startswith(b"\x1b@")  # ESC @: reset the printer first
    assert CODE_PAGE_CP858 in data
    # Spanish letters and the degree sign are CP858's bytes, not "?"
    assert cp858("Jamón de pierna") == b"Jam\xa2n de pierna"
    assert cp858("Jamón de pierna") in data
    assert cp858("Pisco Año Nuevo 35° 750 ml") == b"Pisco A\xa4o Nuevo 35\xf8 750 ml"
    assert cp858("Pisco Año Nuevo 35° 750 ml") in data
    assert cp858("Débito") in data
    assert cp858(f"N° {mixed_sale.number}") in data
    assert b"Jam?n" not in data and b"A?o" not in data
    assert "Jamón".encode() not in data  # not UTF-8 either


def test_bytes_have_two_columns_with_amounts_flush_right(mixed_sale):
    data = printout_bytes(sale_printout(sale_id=mixed_sale.pk))
    lines = data.split(b"\n")

    def line_with(label: bytes) -> bytes:
        return next(line for line in lines if label in line)

    # the TOTAL line may carry style commands before the text; the text is 48 columns
    total = line_with(b"TOTAL").split(b"TOTAL")[-1]
    assert (b"TOTAL" + total).decode("cp858") == "TOTAL".ljust(48 - 7) + "$19.664"
    assert line_with(b"3 x $1.190").decode("cp858") == "  3 x $1.190".ljust(48 - 6) + "$3.570"
    assert line_with(b"Redondeo").endswith(b" -$4")
    assert line_with(b"Vuelto").endswith(b" $5.340")
    assert line_with(b"Total pagado").endswith(b" $19.660")
    assert line_with(b"IVA 19%").endswith(
        b"$" + f"{mixed_sale.iva_clp:,}".replace(",", ".").encode()
    )
    assert b"-" * 48 in data
    assert cp858("Gracias por su compra") in data
    assert data.count(cp858("Leche Entera 1 L")) == 1  # the voided scan is left out


def test_width_comes_from_the_config(store_config, mixed_sale):
    store_config(width_chars=32)

    data = printout_bytes(sale_printout(sale_id=mixed_sale.pk))

    assert b"-" * 32 + b"\n" in data and b"-" * 33 not in data
    assert b"Vuelto" + b" " * (32 - 6 - 6) + b"$5.340" in data


def test_bytes_end_with_a_cut(mixed_sale):
    data = printout_bytes(sale_printout(sale_id=mixed_sale.pk))

    assert data.endswith(FULL_CUT)


def test_cash_sale_kicks_the_drawer(mixed_sale):
    data = printout_bytes(sale_printout(sale_id=mixed_sale.pk))

    assert data.count(DRAWER_KICK) == 1
    assert b"\x1bp\x00" in data  # pin 2


def test_debit_only_sale_does_not_kick_the_drawer(debit_sale):
    assert debit_sale.payments.get().method == "debito"

    assert DRAWER_KICK not in printout_bytes(sale_printout(sale_id=debit_sale.pk))


def test_a_copy_does_not_kick_the_drawer_and_says_copia(mixed_sale):
    data = printout_bytes(sale_printout(sale_id=mixed_sale.pk, copy=True))

    assert DRAWER_KICK not in data
    assert b"COPIA" in data
    assert b"COPIA" not in printout_bytes(sale_printout(sale_id=mixed_sale.pk))


def test_drawer_kick_can_be_turned_off(store_config, mixed_sale):
    store_config(kick_drawer_on_cash=False)

    assert DRAWER_KICK not in printout_bytes(sale_printout(sale_id=mixed_sale.pk))


def test_receipt_escpos_writes_to_any_printer_object(mixed_sale):
    printer = Dummy()

    receipt_escpos(printer, receipt_for_sale(sale_id=mixed_sale.pk), width=42, kick_drawer=True)

    assert printer.output.count(DRAWER_KICK) == 1
    assert b"-" * 42 + b"\n" in printer.output
    assert printer.output.endswith(FULL_CUT)


def test_long_descriptions_wrap_instead_of_being_cut(terminal, cashier, long_named_product):
    sale = make_sale(terminal=terminal, cashier=cashier, products=[long_named_product])

    data = printout_bytes(sale_printout(sale_id=sale.pk))

    text = data.decode("cp858")
    assert "Galletas de avena con chips de chocolate y" in text
    assert "almendras tostadas" in text
    assert all(len(line) <= 48 for line in text.split("\n") if "\x1b" not in line)


@pytest.fixture
def long_named_product(db):
    return make_product(
        name="Galletas de avena con chips de chocolate y almendras tostadas", price_clp=2490
    )


# --- network printer --------------------------------------------------------------


def test_receipt_print_sends_the_bytes_over_tcp(network_printer, mixed_sale):
    # when
    printed = print_now(sale_printout(sale_id=mixed_sale.pk))

    # then: the printer received exactly the receipt, drawer kick and cut included
    assert printed is True
    job = network_printer.next_job()
    assert job == printout_bytes(sale_printout(sale_id=mixed_sale.pk))
    assert cp858("Jamón de pierna") in job
    assert DRAWER_KICK in job and job.endswith(FULL_CUT)


def test_receipt_print_with_no_printer_does_nothing(store_config, mixed_sale):
    store_config(kind="none")

    assert print_now(sale_printout(sale_id=mixed_sale.pk)) is False


def test_no_printer_schedules_nothing(store_config, mixed_sale, django_capture_on_commit_callbacks):
    store_config(kind="none")

    with django_capture_on_commit_callbacks() as callbacks:
        print_on_commit(lambda: sale_printout(sale_id=mixed_sale.pk))

    assert callbacks == []


def test_a_new_sale_prints_after_commit_not_before(
    api_client, product, network_printer, django_capture_on_commit_callbacks
):
    # when: the sale is made; the test's transaction has not committed yet
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api_client.post(
            "/api/v1/sales", sale_payload(product), content_type="application/json"
        )
    assert response.status_code == 201, response.content
    assert len(callbacks) == 1
    assert network_printer.jobs.empty()  # nothing printed inside the transaction

    # then: on commit, the receipt goes to the printer in the background
    callbacks[0]()
    wait_for_printing()
    job = network_printer.next_job()
    sale = Sale.objects.get(pk=response.json()["id"])
    assert cp858(f"N° {sale.number}") in job
    assert cp858("Leche Entera 1 L") in job
    assert DRAWER_KICK in job


def test_a_replayed_sale_is_not_printed_twice(
    api_client, product, network_printer, django_capture_on_commit_callbacks
):
    payload = sale_payload(product)
    with django_capture_on_commit_callbacks(execute=True) as first:
        assert (
            api_client.post("/api/v1/sales", payload, content_type="application/json").status_code
            == 201
        )
    with django_capture_on_commit_callbacks(execute=True) as second:
        assert (
            api_client.post("/api/v1/sales", payload, content_type="application/json").status_code
            == 200
        )

    assert len(first) == 1 and second == []


def test_receipt_print_reports_an_unreachable_printer_to_its_caller(
    unreachable_printer, mixed_sale
):
    with pytest.raises(DeviceNotFoundError):
        print_now(sale_printout(sale_id=mixed_sale.pk))


def test_a_refused_printer_connection_does_not_break_the_sale(
    api_client, product, unreachable_printer, printing_log, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            "/api/v1/sales", sale_payload(product), content_type="application/json"
        )
    wait_for_printing()

    # then: the till gets its sale; the failure is logged for the technician
    assert response.status_code == 201, response.content
    assert Sale.objects.filter(pk=response.json()["id"]).exists()
    errors = [r for r in printing_log.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].name == "itplus.printing"
    assert f"127.0.0.1:{unreachable_printer}" in errors[0].getMessage()


def test_a_reprint_prints_a_copy_without_opening_the_drawer(
    api_client,
    terminal,
    cashier,
    supervisor,
    product,
    network_printer,
    django_capture_on_commit_callbacks,
):
    # given
    sale = make_sale(terminal=terminal, cashier=cashier, products=[product])
    approval = approval_grant(
        pin="4321", action="reimpresion", requested_by=cashier, terminal=terminal, obj=sale
    )

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            f"/api/v1/sales/{sale.pk}/reprint",
            {"approval_id": approval.pk},
            content_type="application/json",
        )
    wait_for_printing()

    # then
    assert response.status_code == 200, response.content
    job = network_printer.next_job()
    assert b"COPIA" in job
    assert cp858(f"N° {sale.number}") in job
    assert DRAWER_KICK not in job


def test_a_refused_reprint_prints_nothing(
    api_client, terminal, cashier, product, network_printer, django_capture_on_commit_callbacks
):
    sale = make_sale(terminal=terminal, cashier=cashier, products=[product])

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_client.post(
            f"/api/v1/sales/{sale.pk}/reprint", {}, content_type="application/json"
        )

    assert response.status_code == 403
    assert callbacks == []
    assert network_printer.jobs.empty()


@pytest.mark.django_db(transaction=True)
def test_end_to_end_a_committed_sale_reaches_the_printer(network_printer):
    """No test transaction around it: the sale really commits, on_commit really fires
    inside the request, and the receipt crosses a real socket."""
    terminal, cashier = make_terminal(), make_user()
    product = make_product(name="Pan amasado", price_clp=1596)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {terminal.token}")
    client.force_login(cashier)

    response = client.post(
        "/api/v1/sales",
        sale_payload(product, amount_clp=2000),
        content_type="application/json",
    )
    wait_for_printing()

    assert response.status_code == 201, response.content
    job = network_printer.next_job()
    assert b"Pan amasado" in job
    assert b"Redondeo" in job and b"+$4" in job  # 1.596 in cash → 1.600
    assert job.endswith(FULL_CUT)
    assert get_config().printer.kind == "network"


# --- the record of what was printed -----------------------------------------------


def test_every_document_sent_is_recorded_with_its_kind_copy_and_printer(
    network_printer, mixed_sale
):
    # when: the original, then a copy
    print_now(sale_printout(sale_id=mixed_sale.pk))
    print_now(sale_printout(sale_id=mixed_sale.pk, copy=True))

    # then
    jobs = list(PrintJob.objects.order_by("pk"))
    assert [(j.document, j.document_id, j.is_copy) for j in jobs] == [
        (PrintedDocument.SALE, mixed_sale.pk, False),
        (PrintedDocument.SALE, mixed_sale.pk, True),
    ]
    assert jobs[0].printer == f"127.0.0.1:{network_printer.port}"
    assert jobs[0].label == f"Boleta N° {mixed_sale.number}"
    assert jobs[0].size_bytes == len(network_printer.next_job())


def test_nothing_is_recorded_without_a_printer(store_config, mixed_sale):
    store_config(kind="none")

    print_now(sale_printout(sale_id=mixed_sale.pk))

    assert not PrintJob.objects.exists()


def test_a_sale_made_through_the_api_is_recorded_once_after_commit(
    api_client, product, network_printer, django_capture_on_commit_callbacks
):
    payload = sale_payload(product)
    with django_capture_on_commit_callbacks(execute=True):
        api_client.post("/api/v1/sales", payload, content_type="application/json")
        api_client.post("/api/v1/sales", payload, content_type="application/json")  # replay
    wait_for_printing()

    sale = Sale.objects.get()
    assert list(PrintJob.objects.values_list("document", "document_id", "is_copy")) == [
        (PrintedDocument.SALE, sale.pk, False)
    ]


def test_a_credit_note_is_printed_by_the_same_pipeline_after_its_commit(
    terminal, supervisor, product, network_printer, django_capture_on_commit_callbacks
):
    # given: a cash sale (printed when made)
    make_credit_note_series()
    with django_capture_on_commit_callbacks(execute=True):
        sale = make_sale(terminal=terminal, cashier=supervisor, products=[product])
    wait_for_printing()
    network_printer.next_job()

    # when: it is returned
    with django_capture_on_commit_callbacks(execute=True):
        note = make_return(terminal=terminal, user=supervisor, sale=sale)
    wait_for_printing()

    # then: the note went to the printer (cash given back opens the drawer), recorded
    job = network_printer.next_job()
    assert "NOTA DE CRÉDITO".encode("cp858") in job and DRAWER_KICK in job
    assert list(PrintJob.objects.values_list("document", "document_id").order_by("pk")) == [
        (PrintedDocument.SALE, sale.pk),
        (PrintedDocument.CREDIT_NOTE, note.pk),
    ]
