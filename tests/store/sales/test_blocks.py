"""Number blocks leased per terminal: leasing, renewal, closing, revocation, concurrency."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from itplus.core.errors import BusinessError
from itplus.store.sales.blocks import terminal_blocks_close
from itplus.store.sales.models import NumberBlock, Sale
from itplus.store.terminals.services import terminal_revoke
from tests.factories import make_product, make_sale, make_series, make_terminal, make_user
from tests.store.sales.offline_support import lease, sell_offline, stocked_product
from tests.store.sales.test_services import assert_chain_verifies

JOIN_TIMEOUT = 120


def ranges(blocks) -> list[tuple[int, int]]:
    return [(b.first, b.last) for b in blocks]


def test_first_lease_takes_the_series_next_numbers(terminal, cashier, product):
    for _ in range(3):
        make_sale(terminal=terminal, cashier=cashier, products=[product])

    blocks = lease(terminal)

    assert ranges(blocks) == [(4, 53)]  # block_size 50 from next_number
    (block,) = blocks
    assert block.terminal == terminal and block.series == terminal.boleta_series
    assert block.closed_at is None and block.leased_at is not None
    series = terminal.boleta_series
    series.refresh_from_db()
    assert series.next_number == 54


def test_asking_again_lists_the_same_block(terminal):
    first = lease(terminal)
    again = lease(terminal)
    assert [b.pk for b in again] == [b.pk for b in first]
    assert NumberBlock.objects.count() == 1


def test_online_sale_after_a_lease_skips_the_block(terminal, cashier, product):
    make_sale(terminal=terminal, cashier=cashier, products=[product])
    lease(terminal)  # 2–51

    sale = make_sale(terminal=terminal, cashier=cashier, products=[product])

    assert sale.number == 52
    assert_chain_verifies(terminal.boleta_series)


@pytest.mark.parametrize(
    ("next_unused", "leases"),
    [(31, False), (32, True)],  # 20 left (31–50) is enough; 19 left renews
)
def test_renews_when_fewer_than_renew_below_are_left(terminal, next_unused, leases):
    (block,) = lease(terminal)  # 1–50

    blocks = lease(terminal, {block.pk: next_unused})

    assert ranges(blocks) == ([(1, 50), (51, 100)] if leases else [(1, 50)])


def test_an_unreported_block_counts_what_the_server_recorded(terminal, cashier):
    product = stocked_product()
    (block,) = lease(terminal)  # 1–50
    sell_offline(terminal, cashier, block, 30, product)
    assert ranges(lease(terminal)) == [(1, 50)]  # 20 left above N° 30

    sell_offline(terminal, cashier, block, 31, product)

    assert ranges(lease(terminal)) == [(1, 50), (51, 100)]


def test_the_till_cannot_report_numbers_back_below_what_was_recorded(terminal, cashier):
    product = stocked_product()
    (block,) = lease(terminal)
    sell_offline(terminal, cashier, block, 45, product)

    blocks = lease(terminal, {block.pk: 1})

    assert ranges(blocks) == [(1, 50), (51, 100)]  # 5 left (46–50), not 50


def test_a_used_up_block_is_closed_and_no_longer_listed(terminal):
    (block,) = lease(terminal)

    blocks = lease(terminal, {block.pk: 51})

    assert ranges(blocks) == [(51, 100)]
    block.refresh_from_db()
    assert block.closed_at is not None
    assert block.closed_reason == NumberBlock.REASON_USED_UP


def test_reports_of_other_terminals_blocks_are_ignored(terminal):
    other = make_terminal(boleta_series=terminal.boleta_series)
    (theirs,) = lease(other)  # 1–50

    mine = lease(terminal, {theirs.pk: 51})

    assert ranges(mine) == [(51, 100)]
    theirs.refresh_from_db()
    assert theirs.closed_at is None


def test_blocks_of_a_former_series_are_closed(terminal):
    (old,) = lease(terminal)
    new_series = make_series(code="B7")
    terminal.boleta_series = new_series
    terminal.save(update_fields=["boleta_series"])

    blocks = lease(terminal)

    assert [(b.series.code, b.first, b.last) for b in blocks] == [("B7", 1, 50)]
    old.refresh_from_db()
    assert old.closed_at is not None and "B7" in old.closed_reason


def test_revoking_a_terminal_closes_its_blocks(terminal):
    (block,) = lease(terminal, {})
    owner = make_user(role="administrador")
    other = make_terminal(boleta_series=terminal.boleta_series)
    (theirs,) = lease(other)

    terminal_revoke(terminal_id=terminal.pk, by=owner)

    block.refresh_from_db()
    assert block.closed_at is not None
    assert block.closed_reason == f"Terminal revocada por {owner.username}"
    theirs.refresh_from_db()
    assert theirs.closed_at is None  # only the revoked terminal's
    terminal.refresh_from_db()
    with pytest.raises(BusinessError) as refused:
        lease(terminal)
    assert refused.value.code == "caja_revocada"


def test_close_returns_how_many_were_open(terminal):
    lease(terminal)
    assert terminal_blocks_close(terminal=terminal, reason="prueba") == 1
    assert terminal_blocks_close(terminal=terminal, reason="prueba") == 0


def test_without_an_active_boleta_series_nothing_is_leased(db):
    terminal = make_terminal()
    terminal.boleta_series.is_active = False
    terminal.boleta_series.save()

    with pytest.raises(BusinessError, match="No hay una serie activa de boleta"):
        lease(terminal)
    assert not NumberBlock.objects.exists()


# --- Concurrency: real threads, each with its own connection ---------------------------


def run_together(jobs) -> list:
    """Run each job in its own thread, released at once; their results (or errors)."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[index] = jobs[index]()
        except BaseException as error:  # reported by the test, not lost in the thread
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a lease hung"
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_leases_and_online_sales_never_overlap():
    series = make_series(code="B1")
    terminals = [make_terminal(boleta_series=series) for _ in range(6)]
    cashier = make_user(role="cajero")
    product = make_product(price_clp=990)
    jobs = [lambda t=t: lease(t) for t in terminals] + [
        lambda t=t: make_sale(terminal=t, cashier=cashier, products=[product]).number
        for t in terminals
    ]

    results = run_together(jobs)

    leased = sorted((b.first, b.last) for blocks in results[:6] for b in blocks)
    online = sorted(results[6:])
    assert len(leased) == 6
    taken = [n for first, last in leased for n in range(first, last + 1)] + online
    assert len(taken) == len(set(taken)) == 6 * 50 + 6  # no number twice
    assert sorted(taken) == list(range(1, 6 * 50 + 7))  # and none skipped
    series.refresh_from_db()
    assert series.next_number == 6 * 50 + 7
    assert_chain_verifies(series)
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_one_terminal_asking_twice_at_once_gets_one_block():
    terminal = make_terminal()

    results = run_together([lambda: lease(terminal) for _ in range(4)])

    assert {tuple(ranges(blocks)) for blocks in results} == {((1, 50),)}
    assert NumberBlock.objects.count() == 1
    connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_a_revoke_racing_a_lease_leaves_no_open_block():
    terminal = make_terminal()
    owner = make_user(role="administrador")

    def lease_or_refusal():
        try:
            return lease(terminal)
        except BusinessError as refusal:
            return refusal.code

    run_together([lease_or_refusal, lambda: terminal_revoke(terminal_id=terminal.pk, by=owner)])

    assert not NumberBlock.objects.filter(terminal=terminal, closed_at__isnull=True).exists()
    connections.close_all()


def test_offline_sales_and_online_sales_share_one_chain(terminal, cashier):
    product = stocked_product()
    make_sale(terminal=terminal, cashier=cashier, products=[product])  # N° 1
    (block,) = lease(terminal)  # 2–51
    sell_offline(terminal, cashier, block, 9, product)
    make_sale(terminal=terminal, cashier=cashier, products=[product])  # N° 52
    sell_offline(terminal, cashier, block, 3, product)

    numbers = list(
        Sale.objects.filter(series=terminal.boleta_series)
        .order_by("id")
        .values_list("number", flat=True)
    )

    assert numbers == [1, 9, 52, 3]
    series = terminal.boleta_series
    series.refresh_from_db()
    assert series.next_number == 53  # offline numbers did not move the counter
    assert_chain_verifies(series)
