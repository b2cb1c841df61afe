"""itplus unlock [USERNAME] [--ip ADDRESS]: lift a login lock (without arguments: list them)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.store.accounts.models import LockScope
from itplus.store.accounts.security import login_locks_active, login_unlock


class Command(BaseCommand):
    help = (
        "Desbloquea el ingreso de una cuenta (itplus unlock USUARIO) o de una dirección IP "
        "(itplus unlock --ip 192.168.1.20). Sin argumentos, muestra los bloqueos vigentes."
    )

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help=_("La cuenta a desbloquear."))
        parser.add_argument("--ip", help=_("La dirección IP a desbloquear."))

    def handle(self, *args, username: str | None, ip: str | None, **options):
        if not username and not ip:
            return self._list()
        try:
            if username:
                login_unlock(scope=LockScope.ACCOUNT, key=username, by=None)
                self.stdout.write(
                    self.style.SUCCESS(_("Cuenta «%(key)s» desbloqueada.") % {"key": username})
                )
            if ip:
                login_unlock(scope=LockScope.ADDRESS, key=ip, by=None)
                self.stdout.write(
                    self.style.SUCCESS(_("Dirección %(key)s desbloqueada.") % {"key": ip})
                )
        except BusinessError as error:
            raise CommandError(error.message) from None

    def _list(self) -> None:
        locks = list(login_locks_active())
        if not locks:
            self.stdout.write(_("No hay cuentas ni direcciones bloqueadas."))
            return
        for lock in locks:
            until = timezone.localtime(lock.locked_until)
            self.stdout.write(
                _("%(scope)s %(key)s: bloqueada hasta %(until)s")
                % {"scope": lock.get_scope_display(), "key": lock.key, "until": f"{until:%H:%M}"}
            )
