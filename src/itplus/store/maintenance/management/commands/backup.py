"""`itplus backup create|list|verify|prune|key`: thin wrapper over the backup services."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.store.config import get_config
from itplus.store.maintenance.backup import BackupError, backup_create
from itplus.store.maintenance.backup_folder import backup_list
from itplus.store.maintenance.keys import InvalidBackupKey, parse_key, recovery_sheet
from itplus.store.maintenance.retention import backup_prune
from itplus.store.maintenance.scheduling import read_passphrase
from itplus.store.maintenance.verify import backup_verify

EXIT_BAD = 1
EXIT_CREDENTIAL = 2
STATUS_LABELS = {
    "ok": "BUENO",
    "bad": "MALO",
    "passphrase": "CLAVE",
    "unknown": "sin verificar",
}


def read_secret_options(options: dict) -> tuple[str | None, bytes | None]:
    """(passphrase, key) from --passphrase-file and --key."""
    try:
        passphrase = read_passphrase(options.get("passphrase_file"))
        key = parse_key(options["key"]) if options.get("key") else None
    except (ValueError, InvalidBackupKey) as exc:
        raise CommandError(str(exc), returncode=EXIT_CREDENTIAL)
    return passphrase, key


def add_secret_arguments(parser, *, key: bool = True) -> None:
    parser.add_argument(
        "--passphrase-file",
        type=Path,
        help=_("Archivo cuya primera línea es la frase de paso del cifrado"),
    )
    if key:
        parser.add_argument(
            "--key", help=_("Clave de respaldo de la hoja de recuperación (64 hex)")
        )


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB"


def exit_code(results) -> int:
    statuses = {r.status for r in results}
    if "bad" in statuses:
        return EXIT_BAD
    if "passphrase" in statuses:
        return EXIT_CREDENTIAL
    return 0


class Command(BaseCommand):
    help = _("Respaldos: crear, listar, verificar, limpiar y hoja de recuperación.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)

        create = sub.add_parser("create", help=_("Crear un respaldo ahora"))
        create.add_argument("--to", type=Path, help=_("Carpeta de destino"))
        create.add_argument("--verify", action="store_true", help=_("Verificarlo al terminar"))
        add_secret_arguments(create, key=False)

        listing = sub.add_parser("list", help=_("Listar los respaldos de una carpeta"))
        listing.add_argument("--folder", type=Path)
        listing.add_argument("--json", action="store_true")

        verify = sub.add_parser("verify", help=_("Verificar respaldos leyéndolos completos"))
        verify.add_argument("files", nargs="*", type=Path)
        verify.add_argument("--all", action="store_true", help=_("Todos los de la carpeta"))
        verify.add_argument("--folder", type=Path)
        verify.add_argument("--json", action="store_true")
        add_secret_arguments(verify)

        prune = sub.add_parser("prune", help=_("Borrar respaldos fuera de la retención"))
        prune.add_argument("--folder", type=Path)
        prune.add_argument("--keep-daily", type=int, default=7)
        prune.add_argument("--keep-weekly", type=int, default=4)
        prune.add_argument("--keep-monthly", type=int, default=12)
        prune.add_argument("--dry-run", action="store_true")
        add_secret_arguments(prune)

        key = sub.add_parser("key", help=_("Hoja de recuperación con la clave de respaldo"))
        key.add_argument("--show", action="store_true", required=True)

    def handle(self, *args, action: str, **options):
        getattr(self, f"do_{action}")(options)

    def do_create(self, options):
        passphrase, _key = read_secret_options(options)
        try:
            result = backup_create(to=options.get("to"), passphrase=passphrase)
        except BackupError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            _("Respaldo creado: %(path)s (%(size)s, %(secs).1f s%(enc)s)")
            % {
                "path": result.path,
                "size": megabytes(result.size),
                "secs": result.seconds,
                "enc": _(", cifrado") if result.encrypted else "",
            }
        )
        self.stdout.write(
            _("Resumen del contenido: %(d)s") % {"d": result.manifest["content_digest"]}
        )
        if options["verify"]:
            self._verify([result.path], passphrase, None, as_json=False, newest=False)

    def do_list(self, options):
        infos = backup_list(folder=options.get("folder"))
        if options["json"]:
            self.stdout.write(
                json.dumps([i.as_dict() for i in infos], ensure_ascii=False, indent=1)
            )
            return
        if not infos:
            self.stdout.write(_("No hay respaldos."))
            return
        for info in infos:
            when = (
                timezone.localtime(info.created_at).strftime("%Y-%m-%d %H:%M")
                if info.created_at
                else "?"
            )
            self.stdout.write(
                f"{when}  {megabytes(info.size):>12}  {STATUS_LABELS.get(info.status, info.status):<13}"
                f"  {_('cifrado') if info.encrypted else '       '}  {info.name}"
                + (f"\n    {info.reason}" if info.status != "ok" and info.reason else "")
            )

    def do_verify(self, options):
        passphrase, key = read_secret_options(options)
        files = list(options["files"])
        if options["all"]:
            files += [i.path for i in backup_list(folder=options.get("folder"))]
        if not files:
            raise CommandError(_("Indique archivos de respaldo o --all."))
        self._verify(files, passphrase, key, as_json=options["json"], newest=options["all"])

    def _verify(self, files, passphrase, key, *, as_json: bool, newest: bool):
        results = []
        for path in files:
            result = backup_verify(path=path, passphrase=passphrase, key=key)
            results.append(result)
            if not as_json:
                label = STATUS_LABELS[result.status]
                self.stdout.write(f"{label:<6} {path.name}  ({result.seconds:.1f} s)")
                for problem in result.problems or [result.credential_missing] * bool(
                    result.credential_missing
                ):
                    self.stdout.write(f"       - {problem}")
                for warning in result.warnings:
                    self.stdout.write(f"       ! {warning}")
        good = next((r.path for r in results if r.ok), None)
        if as_json:
            self.stdout.write(
                json.dumps(
                    {
                        "results": [r.as_dict() for r in results],
                        "newest_good": str(good) if good else None,
                    },
                    ensure_ascii=False,
                    indent=1,
                )
            )
        elif newest:
            self.stdout.write(
                _("Respaldo bueno más reciente: %(f)s") % {"f": good.name}
                if good
                else _("Ningún respaldo está bueno.")
            )
        code = exit_code(results)
        if code:
            raise CommandError(
                _("%(n)s de %(total)s respaldos no pasaron la verificación.")
                % {"n": sum(not r.ok for r in results), "total": len(results)},
                returncode=code,
            )

    def do_prune(self, options):
        passphrase, key = read_secret_options(options)
        result = backup_prune(
            folder=options.get("folder"),
            keep_daily=options["keep_daily"],
            keep_weekly=options["keep_weekly"],
            keep_monthly=options["keep_monthly"],
            passphrase=passphrase,
            key=key,
            dry_run=options["dry_run"],
        )
        verb = _("Se borraría") if options["dry_run"] else _("Borrado")
        for path in result.deleted + result.tmp_removed:
            self.stdout.write(f"{verb}: {path.name}")
        if result.newest_good is None:
            self.stdout.write(_("Ningún respaldo está verificado como bueno: no se borró nada."))
        else:
            self.stdout.write(
                _("Respaldo bueno más reciente (se conserva): %(f)s")
                % {"f": result.newest_good.name}
            )

    def do_key(self, options):
        self.stdout.write(recovery_sheet(home=Path(settings.ITPLUS_HOME), store=get_config().store))
