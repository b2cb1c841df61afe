"""Read-only lists: every admin built on ``ReadOnlyAdminMixin`` shows its records and
refuses to add, change or delete one, through the test client as an administrator."""

import pytest
from django.contrib import admin
from django.forms.models import model_to_dict
from django.urls import reverse

from itplus.store.accounts.approvals import approval_grant
from itplus.store.accounts.security import login_authenticate
from itplus.store.backoffice.admin import ReadOnlyAdminMixin
from itplus.store.cash.models import PaymentMethod
from itplus.store.cash.services import cash_session_close
from itplus.store.customers.services import customer_payment_record
from itplus.store.inventory.services import count_sheet_open, default_warehouse, stock_adjust
from tests.factories import make_customer, make_product, make_sale, make_terminal, make_user
from tests.store.backoffice.factories import print_once, purchase_invoiced
from tests.store.sales.factories import make_credit_note_series, make_return
from tests.store.sales.offline_support import lease, sell_offline

pytestmark = pytest.mark.django_db

READ_ONLY = sorted(
    (
        model_admin
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, ReadOnlyAdminMixin)
    ),
    key=lambda model_admin: model_admin.model._meta.label,
)


def url(model_admin, view: str, *args) -> str:
    meta = model_admin.model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.fixture
def store(client):
    """One of every record the read-only lists show: a sale, printed, and returned; a
    supervisor's approval; a failed login (a security event, a lock row); a customer's
    payment; a stock correction; a count; a purchase
    received and invoiced; a closed session."""
    admin_user = make_user(role="administrador")
    login_authenticate(request=None, username=admin_user.username, password="not it")
    terminal = make_terminal()
    product = make_product()
    sale = make_sale(terminal=terminal, cashier=make_user(role="cajero"), products=[product])
    print_once(sale)
    make_credit_note_series()
    make_return(terminal=terminal, user=admin_user, sale=sale)
    # an offline sale at another price: a leased block and a conflict
    (block,) = lease(terminal)
    sell_offline(terminal, admin_user, block, block.first, product, unit_price_clp=1)
    make_user(role="supervisor", pin="4321")
    approval_grant(pin="4321", action="reimpresion", requested_by=admin_user, obj=sale)
    purchase_invoiced(user=admin_user, product=product, quantity=10, net_cost_clp=100)
    customer_payment_record(
        customer=make_customer(),
        amount_clp=1000,
        method=PaymentMethod.CASH,
        user=admin_user,
        terminal=terminal,
        allow_credit_balance=True,
    )
    stock_adjust(product=product, quantity="5", reason="Conteo", user=admin_user)
    count_sheet_open(warehouse=default_warehouse(), user=admin_user)
    session = terminal.cash_sessions.get()
    cash_session_close(session=session, user=admin_user, counts={}, run_hooks=False)
    client.force_login(admin_user)
    return client


def test_the_documents_ledgers_and_approvals_are_read_only():
    labels = {model_admin.model._meta.label for model_admin in READ_ONLY}
    assert {
        "sales.Sale",
        "sales.CreditNote",
        "cash.CashSession",
        "cash.CashMovement",
        "cash.ZReport",
        "inventory.StockMovement",
        "customers.AccountEntry",
        "accounts.Approval",
        "purchases.GoodsReceipt",
        "sales.NumberBlock",
        "sales.SyncConflict",
    } <= labels


@pytest.mark.parametrize("model_admin", READ_ONLY, ids=lambda m: m.model._meta.label)
def test_shown_but_never_changed_or_deleted(store, model_admin):
    assert store.get(url(model_admin, "changelist")).status_code == 200
    obj = model_admin.model.objects.first()
    assert obj is not None, "the store fixture makes one of each"
    page = store.get(url(model_admin, "change", obj.pk), follow=True)
    assert page.status_code == 200  # the admin's page, or the document's own page
    assert 'name="_save"' not in page.content.decode()
    before = model_to_dict(obj)
    changed = store.post(url(model_admin, "change", obj.pk), {})
    # refused, or sent to the document's own page (an order's); either way untouched
    assert changed.status_code == 403 or getattr(model_admin, "add_page", "")
    obj.refresh_from_db()
    assert model_to_dict(obj) == before
    assert store.post(url(model_admin, "delete", obj.pk), {"post": "yes"}).status_code == 403
    assert model_admin.model.objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize(
    "model_admin",
    [m for m in READ_ONLY if not getattr(m, "add_page", "")],
    ids=lambda m: m.model._meta.label,
)
def test_nothing_is_added_here(store, model_admin):
    assert store.get(url(model_admin, "add")).status_code == 403
