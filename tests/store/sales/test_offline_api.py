"""POST /api/v1/offline/blocks and /offline/sales through the real URLs: each sale once,
refusals as per-sale results with a code and a Spanish message, conflicts recorded."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from itplus.core.audit import run_audit
from itplus.store.accounts.models import ApprovalAction
from itplus.store.cash.services import cash_session_open
from itplus.store.config import config_section_set
from itplus.store.inventory.models import Stock
from itplus.store.sales.blocks import terminal_blocks_close
from itplus.store.sales.models import NumberBlock, Sale, SyncConflict
from tests.factories import make_customer, make_product, make_sale, make_terminal, make_user
from tests.store.sales.offline_support import lease, stocked_product
from tests.store.sales.test_services import assert_chain_verifies

BLOCKS_URL = "/api/v1/offline/blocks"
SALES_URL = "/api/v1/offline/sales"


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def offline_body(product, block, number, *, quantity="1", cash=10_000, **extra) -> dict:
    line = {"code": product.barcodes.first().code, "quantity": quantity}
    line.update(extra.pop("line", {}))
    return {
        "client_uuid": str(uuid.uuid4()),
        "lines": [line],
        "payments": [{"method": "efectivo", "amount_clp": cash}],
        "block_id": block.pk,
        "number": number,
        "sold_at": extra.pop("sold_at", None) or timezone.localtime().isoformat(),
        **extra,
    }


def sync(client, *bodies) -> list[dict]:
    response = post(client, SALES_URL, {"sales": list(bodies)})
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def goods(db):
    return stocked_product(name="Pan amasado", price_clp=1190)


@pytest.fixture
def block(terminal):
    (block,) = lease(terminal)
    return block


# --- Blocks ---------------------------------------------------------------------------


def test_blocks_lease_and_answer_the_contract_shape(client, terminal):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {terminal.token}"

    response = post(client, BLOCKS_URL, {"used": []})

    assert response.status_code == 200
    block = NumberBlock.objects.get()
    assert response.json() == {
        "block_size": 50,
        "renew_below": 20,
        "blocks": [
            {
                "id": block.pk,
                "series": terminal.boleta_series.code,
                "kind": "boleta",
                "first": 1,
                "last": 50,
            }
        ],
    }


def test_blocks_renew_from_the_tills_report(api_client, block):
    response = post(api_client, BLOCKS_URL, {"used": [{"block_id": block.pk, "next_number": 51}]})

    assert [(b["first"], b["last"]) for b in response.json()["blocks"]] == [(51, 100)]
    block.refresh_from_db()
    assert block.closed_reason == NumberBlock.REASON_USED_UP


def test_blocks_need_the_terminal_token(client, terminal):
    assert post(client, BLOCKS_URL, {"used": []}).status_code == 401
    assert not NumberBlock.objects.exists()


# --- Sales recorded --------------------------------------------------------------------


def test_an_offline_sale_is_recorded_with_its_number_and_date(api_client, terminal, goods, block):
    sold_at = timezone.localtime(block.leased_at) + timedelta(milliseconds=1)
    body = offline_body(goods, block, 7, sold_at=sold_at.isoformat(), cash=2000)

    (result,) = sync(api_client, body)

    sale = Sale.objects.get()
    assert result == {
        "client_uuid": body["client_uuid"],
        "status": "creada",
        "sale_id": sale.pk,
        "number": 7,
        "receipt_url": f"/pos/recibo/{sale.pk}/",
        "code": "",
        "message": "",
        "retry": False,
        "conflicts": [],
    }
    assert sale.number == 7 and sale.issued_at == sold_at
    assert (sale.total_clp, sale.change_clp) == (1190, 810)
    assert sale.terminal == terminal and sale.cash_session is not None
    series = terminal.boleta_series
    series.refresh_from_db()
    assert series.next_number == 51  # the lease moved it; the offline sale did not
    assert series.last_hash == sale.chain_hash
    assert_chain_verifies(series)


def test_the_same_sale_twice_is_recorded_once(api_client, goods, block):
    body = offline_body(goods, block, 3)

    first, again = sync(api_client, body, body)
    (later,) = sync(api_client, body)

    assert first["status"] == "creada"
    assert again["status"] == later["status"] == "ya_registrada"
    assert first["sale_id"] == again["sale_id"] == later["sale_id"] == Sale.objects.get().pk
    assert again["number"] == 3


def test_a_reused_uuid_with_another_sale_is_refused(api_client, goods, block):
    body = offline_body(goods, block, 3)
    sync(api_client, body)

    (result,) = sync(api_client, {**body, "number": 4})

    assert result["status"] == "rechazada"
    assert result["code"] == "uuid_reutilizado"
    assert "ya se usó" in result["message"]
    assert result["sale_id"] is None and not result["retry"]
    assert Sale.objects.count() == 1


def test_sales_of_one_call_are_independent_and_in_order(api_client, goods, block):
    bodies = [
        offline_body(goods, block, 5),
        offline_body(goods, block, 5),  # the number is taken by then
        offline_body(goods, block, 2),
    ]

    results = sync(api_client, *bodies)

    assert [r["status"] for r in results] == ["creada", "rechazada", "creada"]
    assert results[1]["code"] == "bloque_desconocido"
    assert [r["number"] for r in results] == [5, 5, 2]
    assert Sale.objects.count() == 2


def test_the_cashier_who_sold_is_recorded(api_client, goods, block):
    seller = make_user(role="cajero")

    (result,) = sync(api_client, offline_body(goods, block, 1, cashier_id=seller.pk))

    assert Sale.objects.get(pk=result["sale_id"]).cashier == seller


def test_a_sale_in_a_higher_roles_name_waits_for_them(api_client, goods, block, supervisor):
    """A supervisor sold offline (with a discount over a cashier's limit) and a cashier
    logged in before the sync: the sale is not sent in the supervisor's name by the
    cashier (its rules would be the supervisor's); it stays queued until the supervisor —
    or a higher role — is logged in at this till."""
    body = offline_body(goods, block, 1, cashier_id=supervisor.pk, line={"discount_clp": 200})

    (waiting,) = sync(api_client, body)
    assert (waiting["status"], waiting["code"], waiting["retry"]) == (
        "rechazada",
        "espera_a_su_cajero",
        True,
    )
    assert not Sale.objects.exists()

    api_client.force_login(supervisor)
    (result,) = sync(api_client, body)
    assert result["status"] == "creada", result
    sale = Sale.objects.get()
    assert (sale.cashier, sale.discount_clp) == (supervisor, 200)


def test_an_unknown_cashier_is_refused(api_client, goods, block):
    (result,) = sync(api_client, offline_body(goods, block, 1, cashier_id=999_999))

    assert (result["status"], result["code"]) == ("rechazada", "cajero_desconocido")


def test_sync_needs_a_logged_in_cashier(client, terminal, goods, block):
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {terminal.token}"
    response = post(client, SALES_URL, {"sales": [offline_body(goods, block, 1)]})
    assert response.status_code == 401
    assert not Sale.objects.exists()


def test_at_most_fifty_sales_per_call(api_client, goods, block):
    bodies = [offline_body(goods, block, n) for n in range(1, 52)]
    response = post(api_client, SALES_URL, {"sales": bodies})
    assert response.status_code == 422
    assert not Sale.objects.exists()


# --- Refusals --------------------------------------------------------------------------


def refused(api_client, body) -> dict:
    (result,) = sync(api_client, body)
    assert result["status"] == "rechazada", result
    assert result["sale_id"] is None and result["message"]
    assert not Sale.objects.filter(client_uuid=body["client_uuid"]).exists()
    return result


def test_no_open_cash_session_is_refused_to_retry_later(api_client, cashier, goods):
    terminal = make_terminal(open_session=False)
    (block,) = lease(terminal)
    api_client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {terminal.token}"

    result = refused(api_client, offline_body(goods, block, 1))

    assert result["code"] == "caja_cerrada" and result["retry"] is True
    assert "abra la caja" in result["message"]


def test_a_block_of_another_terminal_is_refused(api_client, goods, block):
    other = make_terminal(boleta_series=block.series)
    (theirs,) = lease(other)

    result = refused(api_client, offline_body(goods, theirs, theirs.first))

    assert result["code"] == "bloque_desconocido" and not result["retry"]


@pytest.mark.parametrize("number", [51, 100])
def test_a_number_outside_the_block_is_refused(api_client, goods, block, number):
    result = refused(api_client, offline_body(goods, block, number))
    assert result["code"] == "bloque_desconocido"
    assert "no pertenece al bloque 1–50" in result["message"]


def test_a_number_already_used_is_refused(api_client, goods, block):
    sync(api_client, offline_body(goods, block, 9))

    result = refused(api_client, offline_body(goods, block, 9))

    assert result["code"] == "bloque_desconocido" and "ya se usó" in result["message"]


def test_a_date_in_the_future_is_refused(api_client, goods, block):
    sold_at = (timezone.localtime() + timedelta(minutes=6)).isoformat()
    result = refused(api_client, offline_body(goods, block, 1, sold_at=sold_at))
    assert result["code"] == "fecha_invalida" and "reloj" in result["message"]


def test_a_date_well_before_the_lease_is_refused(api_client, goods, block):
    sold_at = (block.leased_at - timedelta(minutes=6)).isoformat()
    result = refused(api_client, offline_body(goods, block, 1, sold_at=sold_at))
    assert result["code"] == "fecha_invalida"


def test_a_till_clock_a_little_behind_the_servers_is_accepted(api_client, goods, block):
    """A sale made right after the lease on a till whose clock is a minute behind."""
    sold_at = (block.leased_at - timedelta(minutes=1)).isoformat()
    (result,) = sync(api_client, offline_body(goods, block, 1, sold_at=sold_at))
    assert result["status"] == "creada", result


def test_a_date_without_its_offset_is_refused(api_client, goods, block):
    sold_at = timezone.localtime().replace(tzinfo=None).isoformat()
    result = refused(api_client, offline_body(goods, block, 1, sold_at=sold_at))
    assert result["code"] == "fecha_invalida"


def test_a_discount_over_the_cashiers_limit_needs_approval(api_client, goods, block):
    body = offline_body(goods, block, 1, line={"discount_clp": 200})  # 17% > 5%
    result = refused(api_client, body)
    assert result["code"] == "requiere_aprobacion"


def test_a_discount_within_the_limit_is_fine(api_client, goods, block):
    (result,) = sync(api_client, offline_body(goods, block, 1, line={"discount_clp": 50}))
    assert result["status"] == "creada"
    assert Sale.objects.get().discount_clp == 50


def test_a_voided_line_by_a_cashier_needs_approval(api_client, goods, block):
    body = offline_body(goods, block, 1)
    body["lines"].append({"code": goods.barcodes.first().code, "is_voided": True})
    result = refused(api_client, body)
    assert result["code"] == "requiere_aprobacion"
    assert ApprovalAction.VOID_LINE.label.lower() in result["message"].lower()


def test_a_voided_line_by_a_supervisor_is_fine(client, terminal, goods, block):
    client.force_login(make_user(role="supervisor"))
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {terminal.token}"
    body = offline_body(goods, block, 1)
    body["lines"].append({"code": goods.barcodes.first().code, "is_voided": True})

    (result,) = sync(client, body)

    assert result["status"] == "creada"


@pytest.mark.parametrize(
    "change",
    [
        {"document_kind": "factura"},
        {"customer_id": "customer"},
        {"payments": [{"method": "cuenta_corriente", "amount_clp": 1190}]},
    ],
    ids=["factura", "cliente", "fiado"],
)
def test_what_needs_the_server_is_refused(api_client, goods, block, change):
    if change.get("customer_id") == "customer":
        change = {"customer_id": make_customer(credit_limit_clp=50_000).pk}
    result = refused(api_client, {**offline_body(goods, block, 1), **change})
    assert result["code"] == "requiere_servidor"


def test_other_business_refusals_keep_their_code(api_client, goods, block):
    unknown = offline_body(goods, block, 1, line={"code": "0000000000000"})
    short = offline_body(goods, block, 2, cash=500)

    assert refused(api_client, unknown)["code"] == "codigo_desconocido"
    assert refused(api_client, short)["code"] == "pago_rechazado"


# --- Conflicts: recorded, the sale stands ------------------------------------------------


def test_a_price_other_than_the_catalogs_stands_and_is_a_conflict(api_client, goods, block):
    body = offline_body(goods, block, 1, quantity="2", line={"unit_price_clp": 990})

    (result,) = sync(api_client, body)

    assert result["status"] == "creada"
    assert [c["kind"] for c in result["conflicts"]] == ["precio"]
    assert "$990" in result["conflicts"][0]["message"]
    assert "$1.190" in result["conflicts"][0]["message"]
    sale = Sale.objects.get()
    assert sale.total_clp == 1980  # what the customer paid
    assert sale.lines.get().unit_price_clp == 990
    conflict = SyncConflict.objects.get()
    assert conflict.sale == sale and conflict.resolved_at is None
    assert conflict.details["catalog_price_clp"] == 1190
    assert_chain_verifies(sale.series)


def test_the_same_price_as_the_catalog_is_no_conflict(api_client, goods, block):
    (result,) = sync(api_client, offline_body(goods, block, 1, line={"unit_price_clp": 1190}))
    assert result["conflicts"] == [] and not SyncConflict.objects.exists()


def test_stock_below_zero_is_sold_anyway_and_is_a_conflict(api_client, block):
    product = make_product(name="Queso", price_clp=2000)  # no stock on hand

    (result,) = sync(api_client, offline_body(product, block, 1, quantity="3"))

    assert result["status"] == "creada"
    assert [c["kind"] for c in result["conflicts"]] == ["stock"]
    assert Stock.objects.get(product=product).quantity == Decimal("-3")


def test_stock_below_zero_is_sold_even_where_the_store_forbids_it(api_client, block, settings):
    config_section_set(settings.ITPLUS_HOME, "inventory", {"allow_negative_stock": False})
    product = make_product(name="Queso", price_clp=2000)

    (result,) = sync(api_client, offline_body(product, block, 1))

    assert result["status"] == "creada"
    assert [c["kind"] for c in result["conflicts"]] == ["stock"]


def test_a_sale_before_the_cash_session_opened_is_a_conflict(client, cashier, goods):
    terminal = make_terminal(open_session=False)
    (block,) = lease(terminal)
    cash_session_open(terminal=terminal, user=make_user(role="supervisor"), opening_float_clp=0)
    client.force_login(cashier)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {terminal.token}"

    (result,) = sync(client, offline_body(goods, block, 1, sold_at=block.leased_at.isoformat()))

    assert result["status"] == "creada"
    assert [c["kind"] for c in result["conflicts"]] == ["caja"]
    assert "antes de la apertura" in result["conflicts"][0]["message"]


def test_a_sale_from_a_block_closed_meanwhile_is_a_conflict(api_client, terminal, goods, block):
    terminal_blocks_close(terminal=terminal, reason="Terminal revocada por dueño")

    (result,) = sync(api_client, offline_body(goods, block, 1))

    assert result["status"] == "creada"
    assert [c["kind"] for c in result["conflicts"]] == ["bloque"]
    assert "Terminal revocada por dueño" in result["conflicts"][0]["message"]


def test_a_sale_from_a_used_up_block_is_no_conflict(api_client, terminal, goods, block):
    lease(terminal, {block.pk: 51})  # closed: the till used every number

    (result,) = sync(api_client, offline_body(goods, block, 50))

    assert (result["status"], result["conflicts"]) == ("creada", [])


def test_a_replayed_sale_lists_its_conflicts_again(api_client, goods, block):
    body = offline_body(goods, block, 1, line={"unit_price_clp": 990})
    sync(api_client, body)

    (again,) = sync(api_client, body)

    assert again["status"] == "ya_registrada"
    assert [c["kind"] for c in again["conflicts"]] == ["precio"]
    assert SyncConflict.objects.count() == 1


def test_an_online_sale_after_offline_ones_takes_the_next_free_number(
    api_client, terminal, cashier, goods, block
):
    sync(api_client, offline_body(goods, block, 1), offline_body(goods, block, 2))

    sale = make_sale(terminal=terminal, cashier=cashier, products=[goods])

    assert sale.number == 51
    assert_chain_verifies(terminal.boleta_series)


def test_the_api_rejects_a_foreign_terminal_token_outright(goods, block):
    client = Client(HTTP_AUTHORIZATION="Bearer nada")
    assert post(client, SALES_URL, {"sales": []}).status_code == 401


# --- Concurrency: the same queue sent from two tabs, offline and online sales at once ---


def post_together(bodies: list[tuple[str, dict]], *, terminal, cashier) -> list:
    """POST each (url, body) from its own thread, released at once."""
    barrier = threading.Barrier(len(bodies))
    results: list = [None] * len(bodies)

    def worker(index: int) -> None:
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {terminal.token}")
            client.force_login(cashier)
            barrier.wait(timeout=60)
            url, body = bodies[index]
            results[index] = post(client, url, body)
        except BaseException as error:  # reported by the test, not lost in the thread
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_one_offline_sale_sent_five_times_at_once_is_recorded_once():
    terminal = make_terminal()
    cashier = make_user(role="cajero")
    goods = stocked_product()
    (block,) = lease(terminal)
    body = {"sales": [offline_body(goods, block, 4)]}

    responses = post_together([(SALES_URL, body)] * 5, terminal=terminal, cashier=cashier)

    results = [r.json()["results"][0] for r in responses]
    assert sorted(r["status"] for r in results) == ["creada"] + ["ya_registrada"] * 4
    assert {r["sale_id"] for r in results} == {Sale.objects.get().pk}
    assert_chain_verifies(terminal.boleta_series)
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_offline_and_online_sales_at_once_share_the_chain_without_collisions():
    terminal = make_terminal()
    cashier = make_user(role="cajero")
    goods = stocked_product()
    (block,) = lease(terminal)  # 1–50
    offline = [(SALES_URL, {"sales": [offline_body(goods, block, n)]}) for n in (9, 3, 27, 14, 1)]
    online = [
        (
            "/api/v1/sales",
            {
                "client_uuid": str(uuid.uuid4()),
                "lines": [{"code": goods.barcodes.first().code, "quantity": "1"}],
                "payments": [{"method": "efectivo", "amount_clp": 2000}],
            },
        )
        for _ in range(5)
    ]

    responses = post_together(offline + online, terminal=terminal, cashier=cashier)

    assert [r.json()["results"][0]["status"] for r in responses[:5]] == ["creada"] * 5
    assert sorted(r.json()["number"] for r in responses[5:]) == [51, 52, 53, 54, 55]
    series = terminal.boleta_series
    series.refresh_from_db()
    assert series.next_number == 56
    assert_chain_verifies(series)
    assert run_audit().ok
    connections.close_all()
