"""Guest checkout rules (RUT, comuna, terms) and the call-back queue."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from itplus.helpdesk.orders.models import CallbackRequest, Order, TermsAcceptance, TermsVersion
from itplus.helpdesk.orders.selectors import callback_queue
from itplus.helpdesk.orders.services import (
    OrderRejected,
    OrderStateError,
    callback_done,
    callback_request,
    order_create,
    order_mark_paid,
)
from tests.helpdesk.factories import checkout_post, customer, make_order, service


def _paid(order: Order) -> Order:
    return order_mark_paid(order=order, method="transferencia")


# ---------------------------------------------------------------- the form


def test_guest_checkout_creates_order_and_stores_terms_acceptance(client, terms):
    remote = service("reinstalacion-remota")

    response = client.post(
        "/comprar/reinstalacion-remota/",
        checkout_post(remote, terms, rut="12345678-5", comuna="nunoa", virus_suspected="si"),
        REMOTE_ADDR="203.0.113.7",
        HTTP_USER_AGENT="Firefox de prueba",
    )

    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/pedidos/{order.access_key}/"
    assert order.state == Order.State.AWAITING_PAYMENT and order.paid_at is None
    assert (order.customer_rut, order.comuna, order.price_clp) == ("123456785", "Ñuñoa", 35_000)
    assert (order.installation_type, order.virus_suspected) == ("server", True)
    acceptance = TermsAcceptance.objects.get(order=order)
    assert acceptance.terms.version == terms.version == "2025.1"
    assert acceptance.ip_address == "203.0.113.7"
    assert acceptance.user_agent == "Firefox de prueba"
    assert acceptance.accepted_at is not None
    codes = [c["code"] for c in acceptance.accepted_clauses]
    assert codes == [
        "internet",
        "same_segment",
        "time_available",
        "data_loss",
        "own_backups",
        "other_programs",
        "unrelated_programs",
    ]
    assert "al menos 90 minutos" in acceptance.accepted_clauses[2]["text"]


def test_checkout_page_shows_terms_and_each_obligation(client, terms, catalogue):
    page = client.get("/comprar/reinstalacion-remota/").content.decode()
    assert "versión 2025.1" in page
    assert "RESPONSABILIDAD SUJETA AL CLIENTE" in page
    assert "conexión a internet" in page and "mismo segmento de red" in page
    assert "al menos 90 minutos" in page
    assert 'name="installation_type"' in page and 'name="virus_suspected"' in page


def test_wrong_check_digit_is_explained_next_to_the_rut(client, terms):
    remote = service("reinstalacion-remota")
    response = client.post(
        "/comprar/reinstalacion-remota/", checkout_post(remote, terms, rut="12.345.678-9")
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "El dígito verificador del RUT 12.345.678-9 no corresponde" in page
    assert not Order.objects.exists()


def test_garbage_rut_is_refused(db, terms):
    with pytest.raises(OrderRejected) as exc:
        make_order(rut="no tengo")
    assert "no es un RUT válido" in exc.value.errors["rut"]


def test_on_site_service_outside_gran_santiago_is_refused_offering_remote(client, terms):
    on_site = service("reinstalacion-domicilio")
    response = client.post(
        "/comprar/reinstalacion-domicilio/", checkout_post(on_site, terms, comuna="Valparaíso")
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert (
        "«Reinstalación a domicilio» solo se presta en comunas del Gran Santiago y Valparaíso "
        "no está entre ellas." in page
    )
    assert "Le ofrecemos «Reinstalación remota del software»" in page
    assert 'href="/comprar/reinstalacion-remota/"' in page
    assert not Order.objects.exists()


def test_on_site_service_in_puente_alto_is_accepted(db, terms):
    order = make_order(service_code="asistencia-terreno", comuna="puente alto")
    assert order.comuna == "Puente Alto"
    assert order.installation_type == "" and order.virus_suspected is None  # not software


def test_remote_service_is_sold_anywhere_in_chile(db, terms):
    assert make_order(comuna="Valparaíso").comuna == "Valparaíso"


def test_on_site_services_do_not_ask_for_internet_or_network(client, terms, catalogue):
    page = client.get("/comprar/reinstalacion-domicilio/").content.decode()
    assert "conexión a internet durante la atención" not in page
    assert "al menos 120 minutos" in page


def test_every_obligation_must_be_ticked(client, terms):
    remote = service("reinstalacion-remota")
    response = client.post(
        "/comprar/reinstalacion-remota/", checkout_post(remote, terms, clause_same_segment=None)
    )
    assert response.status_code == 422
    assert response.context["form"].errors["clause_same_segment"] == [
        "Confirme este compromiso para continuar."
    ]
    assert not Order.objects.exists()


def test_terms_must_be_accepted(client, terms):
    remote = service("reinstalacion-remota")
    response = client.post(
        "/comprar/reinstalacion-remota/", checkout_post(remote, terms, terms_accepted=None)
    )
    assert "Debe aceptar los términos del servicio" in response.content.decode()
    assert not Order.objects.exists()


def test_terms_changed_while_filling_the_form(db, terms):
    TermsVersion.objects.create(
        version="2026.1",
        title="Nuevos",
        body="…",
        clauses=terms.clauses,
        published_at=timezone.now(),
    )
    remote = service("reinstalacion-remota")
    with pytest.raises(OrderRejected) as exc:
        order_create(  # accepts 2025.1, but 2026.1 is current
            service=remote,
            customer=customer(),
            terms_version=terms.version,
            accepted_clauses={c["code"] for c in terms.clauses},
            terms_accepted=True,
            ip_address=None,
        )
    assert "Los términos del servicio cambiaron" in exc.value.errors["terms"]


def test_each_service_has_its_own_terms_with_their_versions(client, terms, catalogue):
    """The reinstall terms for the reinstalls; the support terms, with no reinstall
    commitments, for the support and technical services; a new version of one keeps
    the old row and leaves the other document alone."""
    support = TermsVersion.objects.get(document="soporte", version="2025.1")
    for code in ("reinstalacion-remota", "reinstalacion-domicilio"):
        page = client.get(f"/comprar/{code}/").content.decode()
        assert "Términos para la reinstalación" in page and "clause_other_programs" in page
    for code in ("soporte-online", "servicio-tecnico", "asistencia-terreno"):
        page = client.get(f"/comprar/{code}/").content.decode()
        assert support.title in page and "reinstalación" not in page.split("<legend>")[-1]
        assert "clause_other_programs" not in page and "clause_parts_apart" in page

    order = make_order(service_code="servicio-tecnico")
    assert order.terms_acceptance.terms == support
    assert [c["code"] for c in order.terms_acceptance.accepted_clauses] == [
        "internet",
        "time_available",
        "own_backups",
        "parts_apart",
    ]

    TermsVersion.objects.create(
        version="2026.1",
        title="Nuevos",
        body="…",
        clauses=terms.clauses,
        published_at=timezone.now(),
    )
    assert TermsVersion.objects.filter(document="reinstalacion").count() == 2
    assert make_order(service_code="asistencia-terreno").terms_acceptance.terms == support
    assert make_order().terms_acceptance.terms.version == "2026.1"
    assert order.terms_acceptance.terms == support  # what was accepted stays as it was


def test_software_services_need_installation_type_and_virus_answer(db, terms):
    remote = service("reinstalacion-remota")
    clauses = {c["code"] for c in terms.clauses}
    with pytest.raises(OrderRejected) as exc:
        order_create(
            service=remote,
            customer=customer(installation_type="", virus_suspected=None),
            terms_version=terms.version,
            accepted_clauses=clauses,
            terms_accepted=True,
            ip_address=None,
        )
    assert set(exc.value.errors) == {"installation_type", "virus_suspected"}


def test_all_problems_reported_at_once(db, terms):
    with pytest.raises(OrderRejected) as exc:
        order_create(
            service=service("reinstalacion-domicilio"),
            customer=customer(rut="1-1", comuna="Rancagua"),
            terms_version=terms.version,
            accepted_clauses=set(),
            terms_accepted=False,
            ip_address=None,
        )
    assert set(exc.value.errors) == {"rut", "comuna", "terms", "clauses"}


# ---------------------------------------------------------------- order page and call-back


def test_unpaid_order_offers_webpay_and_transfer_but_no_contact_page(client, order):
    page = client.get(f"/pedidos/{order.access_key}/").content.decode()
    assert "Pagar con Webpay" in page and "Pagar por transferencia" in page
    assert "Llámenme" not in page


def test_order_page_needs_the_access_key_not_the_code(client, order):
    assert client.get(f"/pedidos/{order.code}/").status_code == 404


def test_paid_order_shows_contact_channels_and_no_booking_button(client, order):
    _paid(order)
    page = client.get(f"/pedidos/{order.access_key}/").content.decode()
    assert order.code in page
    for channel in [
        "+56 2 2345 6789",
        "https://wa.me/56987654321?text=" + order.code,
        "soporte@itplus.cl",
        "09:00 a 18:30",
    ]:
        assert channel in page
    assert "Llámenme" in page
    assert "Agendar" not in page and "reservar" not in page.lower()


def test_call_me_puts_order_in_queue_once(client, order):
    _paid(order)
    client.post(f"/pedidos/{order.access_key}/llamenme/")
    client.post(f"/pedidos/{order.access_key}/llamenme/")
    callback = CallbackRequest.objects.get()
    assert callback.order == order and callback.phone == order.phone
    assert "Un técnico le llamará" in client.get(f"/pedidos/{order.access_key}/").content.decode()


def test_unpaid_order_cannot_ask_for_a_call(order):
    with pytest.raises(OrderStateError):
        callback_request(order=order)


def test_callback_queue_is_oldest_first_and_done_ones_leave(db, terms, staff):
    orders = [_paid(make_order()) for _ in range(3)]
    callbacks = [callback_request(order=o) for o in orders]
    # The second customer asked first.
    CallbackRequest.objects.filter(pk=callbacks[1].pk).update(
        requested_at=timezone.now() - timedelta(hours=1)
    )
    assert [c.order for c in callback_queue()] == [orders[1], orders[0], orders[2]]

    callback_done(callback=callbacks[1], by=staff, note="Agendado por teléfono")

    assert [c.order for c in callback_queue()] == [orders[0], orders[2]]


def test_technicians_see_the_queue(client, order, staff):
    _paid(order)
    callback_request(order=order)
    assert client.get("/mesa/llamadas/").status_code == 302  # login first
    client.force_login(staff)
    page = client.get("/mesa/llamadas/").content.decode()
    assert order.code in page and order.phone in page
    client.post(f"/mesa/llamadas/{order.callback.pk}/atendida/", {"note": "ok"})
    assert not callback_queue().exists()


# ---------------------------------------------------------------- back office


def test_admin_order_list_filters(client, order, staff):
    _paid(order)
    client.force_login(staff)
    for query in [
        "",
        "?state__exact=paid",
        f"?service__id__exact={order.service_id}",
        "?pagado=si",
        "?pagado=no",
        "?comuna=%C3%91u%C3%B1oa",
    ]:
        response = client.get("/admin/helpdesk_orders/order/" + query)
        assert response.status_code == 200, query
    assert order.code in client.get("/admin/helpdesk_orders/order/?pagado=si").content.decode()
    assert order.code not in client.get("/admin/helpdesk_orders/order/?pagado=no").content.decode()
    assert client.get("/admin/helpdesk_orders/callbackrequest/").status_code == 200
    assert client.get(f"/admin/helpdesk_orders/order/{order.pk}/change/").status_code == 200


def test_csv_export(client, order, staff):
    _paid(order)
    client.force_login(staff)
    response = client.post(
        "/admin/helpdesk_orders/order/", {"action": "export_csv", "_selected_action": [order.pk]}
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "código"
    assert rows[1][0] == order.code
    assert "12.345.678-5" in rows[1] and "35000" in rows[1] and "2025.1" in rows[1]


def test_csv_export_writes_a_formula_typed_at_checkout_as_text(client, terms, staff):
    order = make_order(name="=cmd|' /C calc'!A0", business_name="+1+1")
    client.force_login(staff)

    response = client.post(
        "/admin/helpdesk_orders/order/", {"action": "export_csv", "_selected_action": [order.pk]}
    )

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert "'=cmd|' /C calc'!A0" in rows[1] and "'+1+1" in rows[1]


def test_admin_confirms_transfer(client, order, staff, django_capture_on_commit_callbacks):
    client.post(f"/pedidos/{order.access_key}/transferencia/")
    client.force_login(staff)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/helpdesk_orders/order/",
            {"action": "confirm_transfer", "_selected_action": [order.pk]},
        )
    order.refresh_from_db()
    assert order.state == Order.State.PAID and order.payments.get().confirmed_by == staff


def test_paid_state_requires_paid_at(order):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(state=Order.State.PAID)


def test_rut_and_comuna_problems_show_even_with_fields_missing(client, terms, catalogue):
    response = client.post(
        "/comprar/reinstalacion-domicilio/",
        {"rut": "12.345.678-9", "comuna": "Valparaíso", "terms_version": terms.version},
    )
    page = response.content.decode()
    assert "El dígito verificador del RUT 12.345.678-9 no corresponde" in page
    assert "solo se presta en comunas del Gran Santiago" in page
    assert "Este campo es obligatorio" in page


def test_every_problem_shows_on_the_first_submit_next_to_its_field(client, terms, catalogue):
    """A bad RUT no longer hides the unticked commitment and the unaccepted terms."""
    remote = service("reinstalacion-remota")
    data = checkout_post(remote, terms, rut="12.345.678-9", clause_internet=None)
    data.pop("terms_accepted")

    response = client.post("/comprar/reinstalacion-remota/", data)

    assert response.status_code == 422
    form = response.context["form"]
    assert "no corresponde" in form.errors["rut"][0]
    assert form.errors["clause_internet"] == ["Confirme este compromiso para continuar."]
    assert form.errors["terms_accepted"] == [
        "Debe aceptar los términos del servicio para continuar."
    ]
    assert set(form.errors) == {"rut", "clause_internet", "terms_accepted"}
    page = response.content.decode()
    assert page.index('name="clause_internet"') < page.index("Confirme este compromiso")
    assert not Order.objects.exists()
