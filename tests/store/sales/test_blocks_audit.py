"""`itplus audit` with offline number blocks: clean after online and offline sales out of
order; unused numbers of closed blocks are notes; tampering is still caught."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from itplus.core.audit import run_audit
from itplus.store.sales.models import DocumentSeries, NumberBlock, Sale
from itplus.store.sales.selectors import series_chain_heads
from tests.factories import make_sale, make_series, make_terminal, make_user
from tests.store.maintenance.support import raw_delete
from tests.store.sales.offline_support import lease, sell_offline, stocked_product


def sales_problems(report):
    """The sales walk's problems (a deleted sale also unbalances the inventory ledger)."""
    return [(p.check, p.document) for p in report.problems if p.check != "inventario"]


@pytest.fixture
def mixed(db):
    """Series B1 shared by two tills. Online N° 1–2; till A leases 3–52, till B 53–102;
    online N° 103; A sells 10, 3, 7 offline (out of order), B sells 53; online 104; A's
    block is then reported used up and closed (47 numbers never used)."""
    series = make_series(code="B1")
    till_a = make_terminal(code="caja-a", boleta_series=series)
    till_b = make_terminal(code="caja-b", boleta_series=series)
    cashier = make_user(role="cajero")
    product = stocked_product()
    online = [make_sale(terminal=till_a, cashier=cashier, products=[product]) for _ in range(2)]
    (block_a,) = lease(till_a)
    (block_b,) = lease(till_b)
    online.append(make_sale(terminal=till_b, cashier=cashier, products=[product]))
    offline = [sell_offline(till_a, cashier, block_a, number, product)[0] for number in (10, 3, 7)]
    offline.append(sell_offline(till_b, cashier, block_b, 53, product)[0])
    online.append(make_sale(terminal=till_a, cashier=cashier, products=[product]))
    lease(till_a, {block_a.pk: 53})  # A used everything: closed, and a new block 105–154
    return {
        "series": series,
        "online": online,
        "offline": offline,
        "blocks": (block_a, block_b),
        "tills": (till_a, till_b),
        "cashier": cashier,
        "product": product,
    }


def test_mixed_online_and_offline_sales_audit_clean(mixed):
    assert [s.number for s in mixed["online"]] == [1, 2, 103, 104]

    report = run_audit()

    assert report.ok, report.problems
    assert report.checked["documentos"] == 8
    assert report.checked["bloques"] == 3


def test_unused_numbers_of_a_closed_block_are_a_note(mixed):
    report = run_audit()

    assert report.ok
    (note,) = report.notes  # B's block and A's new one are open: nothing to say yet
    assert "bloque 3–52 de la caja caja-a" in note
    assert "47 número(s) sin usar" in note
    assert report.as_dict()["notes"] == [note]


def test_the_command_shows_the_notes(mixed, capsys):
    call_command("audit")

    out = capsys.readouterr().out
    assert "sin problemas" in out
    assert "Nota: Boleta B1: el bloque 3–52" in out


def test_a_deleted_offline_sale_breaks_the_chain(mixed):
    middle = mixed["offline"][1]  # N° 3, written between N° 10 and N° 7
    raw_delete(Sale, [middle.pk])

    report = run_audit()

    assert ("cadena", "Boleta B1 N° 7") in sales_problems(report)
    chain = [p for p in report.problems if p.check == "cadena"]
    assert "Boleta B1 N° 10" in chain[0].message  # the neighbour that still exists


def test_the_last_written_offline_sale_deleted_is_caught_by_the_series_head(db):
    series = make_series(code="B1")
    till = make_terminal(boleta_series=series)
    cashier = make_user(role="cajero")
    product = stocked_product()
    make_sale(terminal=till, cashier=cashier, products=[product])
    (block,) = lease(till)
    sell_offline(till, cashier, block, 5, product)
    last, _created, _conflicts = sell_offline(till, cashier, block, 4, product)
    raw_delete(Sale, [last.pk])

    report = run_audit()

    assert ("cadena", "Boleta B1") in sales_problems(report)


def test_an_edited_offline_sale_is_caught(mixed):
    edited = mixed["offline"][2]
    Sale.objects.filter(pk=edited.pk).update(
        total_clp=F("total_clp") - 100, net_clp=F("net_clp") - 100
    )

    problems = sales_problems(run_audit())

    assert ("cadena", "Boleta B1 N° 7") in problems
    assert ("totales", "Boleta B1 N° 7") in problems


def test_a_deleted_online_sale_between_blocks_is_a_gap(mixed):
    raw_delete(Sale, [mixed["online"][2].pk])  # N° 103, right after B's block

    report = run_audit()

    numbering = [p for p in report.problems if p.check == "numeracion"]
    assert [p.document for p in numbering] == ["Boleta B1 N° 104"]
    assert "el N° 103" in numbering[0].message


def test_a_deleted_online_sale_before_a_block_is_a_gap(db):
    series = make_series(code="B1")
    till = make_terminal(boleta_series=series)
    cashier = make_user(role="cajero")
    product = stocked_product()
    sales = [make_sale(terminal=till, cashier=cashier, products=[product]) for _ in range(3)]
    lease(till)  # 4–53: nothing online after it
    raw_delete(Sale, [sales[-1].pk])  # N° 3

    report = run_audit()

    assert ("numeracion", "Boleta B1") in sales_problems(report)
    numbering = next(
        p for p in report.problems if (p.check, p.document) == ("numeracion", "Boleta B1")
    )
    assert "el N° 3" in numbering.message


def test_an_offline_number_from_another_tills_block_is_reported(mixed):
    till_a, _till_b = mixed["tills"]
    # B's sale moved (behind the services' back) to till A
    Sale.objects.filter(pk=mixed["offline"][3].pk).update(terminal=till_a)

    problems = sales_problems(run_audit())

    assert ("numeracion", "Boleta B1 N° 53") in problems


def test_the_series_counter_must_pass_the_last_block(mixed):
    DocumentSeries.objects.filter(pk=mixed["series"].pk).update(next_number=F("next_number") - 1)

    problems = sales_problems(run_audit())

    assert ("numeracion", "Boleta B1") in problems


def test_a_block_beyond_the_counter_is_left_for_the_next_audit(mixed):
    # a lease made after the series row was read (simulated: a block past next_number)
    series = mixed["series"]
    series.refresh_from_db()
    NumberBlock.objects.create(
        series=series,
        terminal=mixed["tills"][1],
        first=series.next_number,
        last=series.next_number + 49,
        leased_at=mixed["blocks"][0].leased_at,
    )

    assert run_audit().ok


def test_chain_heads_name_the_last_written_sale(mixed):
    last_written = Sale.objects.filter(series=mixed["series"]).order_by("id").last()

    heads = series_chain_heads()

    assert heads["B1"] == {"number": last_written.number, "hash": last_written.chain_hash}
    assert last_written.number == 104


def test_the_maintenance_page_shows_the_notes(mixed, client):
    client.force_login(make_user(role="supervisor"))

    response = client.get(reverse("maintenance:audit"))

    content = response.content.decode()
    assert "Sin problemas" in content
    assert 'id="notas-auditoria"' in content
    assert "47 número(s) sin usar" in content
