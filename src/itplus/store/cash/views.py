"""Back-office cash pages (/gestion/caja/): a session's detail with its movements and
report, opening, the blind close, and the printable X/Z report (80 mm or A4).

Supervisors and administrators use these pages; the printable Z is also open to the
cashier who just closed at the till (it is shown there after the close).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods, require_POST

from itplus.core.errors import BusinessError
from itplus.core.money import format_signed_clp
from itplus.store.accounts.models import Role
from itplus.store.accounts.permissions import role_at_least
from itplus.store.cash.forms import CashCountForm, CashMovementForm, CashOpenForm
from itplus.store.cash.models import CashSession
from itplus.store.cash.printing import difference_label, z_printout
from itplus.store.cash.reports import cash_report_compute, cash_report_from_z
from itplus.store.cash.selectors import cash_session_detail, cash_session_movements
from itplus.store.cash.services import (
    cash_movement_record,
    cash_session_close,
    cash_session_open_authorized,
)
from itplus.store.printing.services import print_now


def supervisor_required(view):
    """Supervisors and administrators; everyone else gets 403."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not role_at_least(request.user, Role.SUPERVISOR):
            raise PermissionDenied(_("Esta página es para supervisores y administradores."))
        return view(request, *args, **kwargs)

    return wrapper


def _session_or_404(session_id: int) -> CashSession:
    session = cash_session_detail(session_id=session_id)
    if session is None:
        raise Http404(_("La sesión de caja no existe."))
    return session


def _report(session: CashSession):
    if session.is_open:
        return cash_report_compute(session=session)
    return cash_report_from_z(z=session.z_report)


def _context(request: HttpRequest, **extra):
    return {**admin.site.each_context(request), **extra}


@require_http_methods(["GET", "POST"])
@supervisor_required
def session_detail(request: HttpRequest, session_id: int) -> HttpResponse:
    """The session: its report (X while open, Z once closed), movements, and the form
    to record an ingreso/egreso (HTMX swaps the movements block in place)."""
    session = _session_or_404(session_id)
    form = CashMovementForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                cash_movement_record(
                    session=session,
                    kind=form.cleaned_data["kind"],
                    amount_clp=form.cleaned_data["amount_clp"],
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                )
            except BusinessError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Movimiento registrado."))
                if not request.headers.get("HX-Request"):
                    return redirect("cash:session", session_id=session.pk)
                form = CashMovementForm()
        session = _session_or_404(session_id)
    context = _context(
        request,
        title=_("Sesión de caja %(session)s") % {"session": session},
        session=session,
        report=_report(session),
        movements=cash_session_movements(session=session),
        form=form,
    )
    template = "cash/session_detail.html"
    if request.headers.get("HX-Request"):
        template += "#movements"
    return render(request, template, context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@supervisor_required
def session_close(request: HttpRequest, session_id: int) -> HttpResponse:
    """The blind count: pieces per denomination, without the expected amount."""
    session = _session_or_404(session_id)
    if not session.is_open:
        messages.info(request, _("Esta sesión ya está cerrada."))
        return redirect("cash:session", session_id=session.pk)
    form = CashCountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            z = cash_session_close(session=session, user=request.user, counts=form.counts())
        except BusinessError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Caja cerrada: informe Z N° %(number)s. %(label)s: %(amount)s.")
                % {
                    "number": z.number,
                    "label": difference_label(z.difference_clp),
                    "amount": format_signed_clp(z.difference_clp),
                },
            )
            return redirect("cash:session", session_id=session.pk)
    return render(
        request,
        "cash/session_close.html",
        _context(request, title=_("Cerrar caja"), session=session, form=form),
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@supervisor_required
def session_open(request: HttpRequest) -> HttpResponse:
    form = CashOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            session = cash_session_open_authorized(
                terminal=form.cleaned_data["terminal"],
                user=request.user,
                opening_float_clp=form.cleaned_data["opening_float_clp"],
            )
        except BusinessError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Caja abierta."))
            return redirect("cash:session", session_id=session.pk)
    return render(
        request,
        "cash/session_open.html",
        _context(request, title=_("Abrir caja"), form=form),
        status=400 if form.errors else 200,
    )


@login_required
@xframe_options_sameorigin  # the till shows the Z in an iframe after closing
def report(request: HttpRequest, session_id: int) -> HttpResponse:
    """The printable X (open session, supervisors) or Z (closed); ``?formato=a4``."""
    session = _session_or_404(session_id)
    if session.is_open and not role_at_least(request.user, Role.SUPERVISOR):
        raise PermissionDenied(_("El informe X lo emite un supervisor."))
    if not session.is_open and not (
        role_at_least(request.user, Role.SUPERVISOR)
        or request.user.pk == session.z_report.closed_by_id
    ):
        raise PermissionDenied(_("El informe Z lo ven supervisores y quien cerró la caja."))
    a4 = request.GET.get("formato") == "a4"
    return render(
        request,
        "cash/report.html",
        {"report": _report(session), "session": session, "a4": a4},
    )


@require_POST
@supervisor_required
def z_print_view(request: HttpRequest, session_id: int) -> HttpResponse:
    """Send the Z to the thermal printer (ESC/POS over the network), now."""
    session = _session_or_404(session_id)
    if session.is_open:
        raise Http404(_("La sesión sigue abierta: no tiene informe Z."))
    try:
        printed = print_now(z_printout(z_id=session.z_report.pk, copy=True))
    except OSError as exc:
        messages.error(request, _("No se pudo imprimir: %(error)s") % {"error": exc})
    else:
        if printed:
            messages.success(request, _("Informe Z enviado a la impresora."))
        else:
            messages.warning(request, _("No hay una impresora térmica de red configurada."))
    return redirect("cash:session", session_id=session.pk)
