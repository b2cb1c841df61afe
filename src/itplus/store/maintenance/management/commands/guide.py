"""`itplus guide reinstall [--format txt|html] [--output F]`: the printable procedure."""

from pathlib import Path

from django.core.management.base import BaseCommand

from itplus.store.maintenance.guide import build_guide, render_html, render_text


class Command(BaseCommand):
    help = "Guías imprimibles para la mesa de ayuda (reinstall: reinstalar desde un respaldo)."

    def add_arguments(self, parser):
        parser.add_argument("topic", choices=["reinstall"], help="Guía a generar")
        parser.add_argument("--format", choices=["txt", "html"], default="txt")
        parser.add_argument(
            "--output", type=Path, help="Archivo de salida (por omisión, la pantalla)"
        )

    def handle(self, *args, topic: str, format: str, output: Path | None, **options):
        guide = build_guide()
        content = render_html(guide) if format == "html" else render_text(guide)
        if output:
            output.write_text(content, encoding="utf-8")
            self.stderr.write(f"Guía escrita en {output}")
        else:
            self.stdout.write(content, ending="")
