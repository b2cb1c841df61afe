"""The doctor's API (ping, a terminal's reports) and the "Diagnóstico" page."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from itplus.store.config import config_section_set
from itplus.store.maintenance import doctor
from itplus.store.maintenance.doctor_reports import KEEP_PER_TERMINAL, doctor_reports_latest
from itplus.store.maintenance.models import DoctorReport
from itplus.store.terminals.services import terminal_rotate_token
from tests.factories import make_terminal, make_user
from tests.store.maintenance import test_doctor

home, live = test_doctor.home, test_doctor.live

PING = "/api/v1/doctor/ping"
REPORTS = "/api/v1/doctor/reports"
PAGE = reverse("maintenance:doctor")


def auth(terminal) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {terminal.token}"}


def report_body(**overrides) -> dict:
    body = {
        "ran_at": "2026-12-04T11:30:00-03:00",
        "version": "0.1.0",
        "checks": [
            {"key": "database", "title": "Base de datos", "level": "ok", "detail": "SQLite"},
            {
                "key": "server",
                "title": "Servidor",
                "level": "aviso",
                "detail": "Responde en 180 ms.",
                "action": "La red está lenta.",
                "data": {"latency_ms": 180.2},
            },
        ],
    }
    return {**body, **overrides}


def post_report(client, terminal, body) -> object:
    return client.post(REPORTS, json.dumps(body), content_type="application/json", **auth(terminal))


# --- API -----------------------------------------------------------------------------------


def test_ping_gives_the_servers_time_and_the_terminal(client, db):
    terminal = make_terminal(code="caja-7")
    before = timezone.now()

    response = client.get(PING, **auth(terminal))

    assert response.status_code == 200
    body = response.json()
    assert before <= datetime.fromisoformat(body["server_time"]) <= timezone.now()
    assert body["terminal"] == "caja-7"
    assert body["version"]
    assert set(body) == {"server_time", "version", "terminal", "pending_offline_sales"}


def test_ping_and_reports_need_a_valid_token(client, db):
    terminal = make_terminal()
    terminal_rotate_token(terminal=terminal)  # the token it holds no longer works

    assert client.get(PING).status_code == 401
    assert client.get(PING, **auth(terminal)).status_code == 401
    response = post_report(client, terminal, report_body())
    assert response.status_code == 401
    assert response.json()["detail"].startswith("Terminal no autorizado")
    assert not DoctorReport.objects.exists()


def test_a_terminal_posts_its_report(client, db):
    terminal = make_terminal()

    response = post_report(client, terminal, report_body())

    assert response.status_code == 201
    report = DoctorReport.objects.get(pk=response.json()["id"])
    assert response.json()["level"] == "aviso" == report.level  # the worst check's
    assert report.terminal == terminal
    assert report.ran_at == datetime.fromisoformat("2026-12-04T14:30:00+00:00")
    assert report.checks[1]["data"] == {"latency_ms": 180.2}
    assert report.checks[0]["action"] == ""


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"checks": []}, "checks"),
        ({"checks": [{"key": "x", "title": "X", "level": "roto", "detail": ""}]}, "level"),
        ({"ran_at": "ayer"}, "ran_at"),
        ({"checks": [{"title": "X", "level": "ok", "detail": ""}]}, "key"),
    ],
)
def test_a_bad_report_is_refused_in_spanish(client, db, change, field):
    terminal = make_terminal()

    response = post_report(client, terminal, report_body(**change))

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "datos_invalidos"
    assert field in body["detail"] and body["detail"].startswith(("El campo", "Falta"))
    assert not DoctorReport.objects.exists()


def test_only_the_newest_reports_of_a_terminal_are_kept(client, db):
    terminal, other = make_terminal(), make_terminal()
    post_report(client, other, report_body())
    for _ in range(KEEP_PER_TERMINAL + 3):
        post_report(client, terminal, report_body())

    assert DoctorReport.objects.filter(terminal=terminal).count() == KEEP_PER_TERMINAL
    assert DoctorReport.objects.filter(terminal=other).count() == 1


def test_latest_report_per_terminal(client, db, django_assert_max_num_queries):
    make_terminal(code="caja-1")
    busy = make_terminal(code="caja-2")
    post_report(client, busy, report_body())
    newest = post_report(client, busy, report_body(checks=report_body()["checks"][:1])).json()

    with django_assert_max_num_queries(2):
        rows = doctor_reports_latest()

    by_code = {row.terminal.code: row.report for row in rows}
    assert by_code["caja-1"] is None
    assert by_code["caja-2"].pk == newest["id"] and by_code["caja-2"].level == "ok"


def test_a_terminals_doctor_checks_and_reports_to_the_real_server(live, live_server):
    """End to end: the terminal's doctor pings the live server with its token and its
    report lands there."""
    terminal = make_terminal(code="caja-3")
    config_section_set(
        live,
        "install",
        {"role": "terminal", "server_url": live_server.url, "terminal_token": terminal.token},
    )

    result = doctor.doctor_run()
    doctor.report_send(result)

    levels = {check.key: check.level for check in result.checks}
    assert levels["server"] == "ok" and levels["clock"] == "ok" and levels["segment"] == "ok"
    assert result.checks[-1].key == "pending_offline_sales"
    report = DoctorReport.objects.get(terminal=terminal)
    assert [c["key"] for c in report.checks] == [c.key for c in result.checks]
    assert report.level == result.level


def test_a_revoked_terminal_is_told_to_pair_again(live, live_server):
    terminal = make_terminal()
    config_section_set(
        live,
        "install",
        {"role": "terminal", "server_url": live_server.url, "terminal_token": terminal.token},
    )
    terminal_rotate_token(terminal=terminal)

    server = next(c for c in doctor.doctor_run().checks if c.key == "server")

    assert server.level == "falla"
    assert "itplus setup terminal" in server.action


# --- the page --------------------------------------------------------------------------------


def test_cashier_is_refused_the_page(client, db, home):
    client.force_login(make_user(role="cajero"))

    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE + "?ejecutar=1").status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(PAGE)

    assert response.status_code == 302 and response.url.startswith("/login/")


def test_owner_sees_each_terminals_last_report_in_santiago_time(client, db, home):
    terminal = make_terminal(code="caja-9")
    make_terminal(code="caja-10")
    post_report(client, terminal, report_body())
    DoctorReport.objects.update(received_at=datetime.fromisoformat("2026-12-04T14:30:00+00:00"))
    client.force_login(make_user(role="administrador"))

    response = client.get(PAGE)

    assert response.status_code == 200
    content = response.content.decode()
    assert "04-12-2026 11:30" in content  # 14:30 UTC is 11:30 in Santiago (summer time)
    assert "caja-9" in content and "Responde en 180 ms." in content
    assert "Sin informe aún." in content  # caja-10
    assert 'id="revisiones-servidor"' not in content  # the server's own runs when asked


def test_owner_runs_the_servers_doctor_on_the_page(client, db, home):
    client.force_login(make_user(role="administrador"))

    response = client.get(PAGE + "?ejecutar=1")

    content = response.content.decode()
    assert 'id="revisiones-servidor"' in content
    assert 'data-check="backups"' in content and "No hay respaldos" in content
    assert "hay fallas" in content


def test_the_page_is_in_the_back_office_navigation(client, db, home):
    client.force_login(make_user(role="supervisor"))

    assert PAGE in client.get(reverse("home:index")).content.decode()
    assert client.get(PAGE).status_code == 200


def test_old_reports_show_their_age(client, db, home):
    terminal = make_terminal()
    post_report(client, terminal, report_body())
    DoctorReport.objects.update(received_at=timezone.now() - timedelta(days=3))
    client.force_login(make_user(role="administrador"))

    content = client.get(PAGE).content.decode()

    assert "hace 3" in content or "3 días" in content
