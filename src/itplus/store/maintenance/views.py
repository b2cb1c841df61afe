"""The "Mantención" back-office page: backups (list, create, verify, download) and the
audit of the database.

Administrators do everything; supervisors see the list and the audit (read-only);
cashiers are refused. Views only authorise and call: the backups are
``maintenance.backup_folder``'s (the list of ``BackupInfo``) and ``verify``'s, the
schedule ``maintenance.scheduling``'s, the audit ``itplus.core.audit``'s (each app's
checks).
"""

from __future__ import annotations

import logging
from functools import wraps
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from itplus.core.audit import run_audit
from itplus.core.csp import inline_styles_allowed
from itplus.store.accounts.models import Role
from itplus.store.accounts.permissions import role_at_least
from itplus.store.maintenance.backup_folder import backup_list
from itplus.store.maintenance.backup_status import BackupInfo
from itplus.store.maintenance.doctor import doctor_run
from itplus.store.maintenance.doctor_reports import doctor_reports_latest
from itplus.store.maintenance.guide import build_guide, render_html
from itplus.store.maintenance.scheduling import (
    BackupBusy,
    ScheduleState,
    backup_run,
    backup_settings,
    read_passphrase,
)
from itplus.store.maintenance.verify import backup_verify

logger = logging.getLogger("itplus.backup")


def _is_admin(user) -> bool:
    return role_at_least(user, Role.ADMIN)


def _staff_view(*, admin_only: bool):
    """Administrators always; supervisors too for read-only views; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(request: HttpRequest, *args, **kwargs):
            if not role_at_least(request.user, Role.ADMIN if admin_only else Role.SUPERVISOR):
                raise PermissionDenied(_("Esta página es solo para administradores."))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def _find_backup(name: str) -> BackupInfo:
    """A backup of the configured folder by file name (never a path from the request)."""
    for info in backup_list(folder=backup_settings().folder):
        if info.name == name:
            return info
    raise Http404(_("No existe ese respaldo."))


def _page_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    conf = backup_settings()
    return {
        **admin.site.each_context(request),
        "title": _("Mantención"),
        "backups": backup_list(folder=conf.folder),
        "backup_conf": conf,
        "schedule": ScheduleState.load(),
        "can_manage": _is_admin(request.user),
        **extra,
    }


@require_GET
@_staff_view(admin_only=False)
def maintenance_index(request: HttpRequest) -> HttpResponse:
    return render(request, "maintenance/index.html", _page_context(request))


@require_GET
@_staff_view(admin_only=False)
def audit_view(request: HttpRequest) -> HttpResponse:
    """Run the audit now and show its result (it reads the whole sales history)."""
    report = run_audit()
    return render(request, "maintenance/index.html", _page_context(request, audit=report))


@require_POST
@_staff_view(admin_only=True)
def backup_create_view(request: HttpRequest) -> HttpResponse:
    try:
        result = backup_run(reason="manual")
    except BackupBusy:
        messages.warning(request, _("Ya se está creando un respaldo. Espere un momento."))
    except Exception as exc:
        logger.exception("Falló el respaldo manual")
        messages.error(
            request, _("No se pudo crear el respaldo: %(error)s") % {"error": str(exc) or exc}
        )
    else:
        messages.success(request, _("Respaldo creado: %(name)s") % {"name": result.path.name})
    return redirect("maintenance:index")


@require_POST
@_staff_view(admin_only=True)
def backup_verify_view(request: HttpRequest, name: str) -> HttpResponse:
    """Read the whole backup and check it (the result is remembered for the list)."""
    info = _find_backup(name)
    try:
        passphrase = read_passphrase(backup_settings().passphrase_file)
        result = backup_verify(path=info.path, passphrase=passphrase)
    except Exception as exc:
        logger.exception("Falló la verificación de %s", info.path)
        messages.error(
            request,
            _("No se pudo verificar %(name)s: %(error)s") % {"name": info.name, "error": exc},
        )
        return redirect("maintenance:index")
    if result.ok:
        messages.success(
            request, _("%(name)s: verificado, el respaldo está bueno.") % {"name": info.name}
        )
    else:
        messages.error(
            request,
            _("%(name)s: el respaldo NO está bueno. %(reason)s")
            % {"name": info.name, "reason": result.reason},
        )
    return redirect("maintenance:index")


@require_GET
@_staff_view(admin_only=True)
def backup_download_view(request: HttpRequest, name: str) -> FileResponse:
    info = _find_backup(name)
    return FileResponse(info.path.open("rb"), as_attachment=True, filename=info.name)


@require_GET
@_staff_view(admin_only=False)
def doctor_view(request: HttpRequest) -> HttpResponse:
    """ "Diagnóstico": the server's own doctor, run when asked (``?ejecutar=1``: it opens a
    connection to the printer and reads the backups folder), and each terminal's last
    report."""
    result = doctor_run() if request.GET.get("ejecutar") else None
    return render(
        request,
        "maintenance/doctor.html",
        {
            **admin.site.each_context(request),
            "title": _("Diagnóstico"),
            "result": result,
            "terminals": doctor_reports_latest(),
        },
    )


@require_GET
@_staff_view(admin_only=False)
@inline_styles_allowed  # the page is also written as a standalone file: its style is inline
def guide_view(request: HttpRequest) -> HttpResponse:
    """The printable reinstall procedure (the same as ``itplus guide reinstall --format html``)."""
    return HttpResponse(render_html(build_guide()))
