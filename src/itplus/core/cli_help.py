"""The help page both console scripts print: the site's own commands, grouped, each with
one line, then the names of Django's commands."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class CommandGroup:
    title: str
    commands: tuple[tuple[str, str], ...]  # (command, one-line description)


def grouped_command_names(groups: Iterable[CommandGroup]) -> set[str]:
    return {name for group in groups for name, _description in group.commands}


def help_text(
    *, prog: str, intro: str, groups: tuple[CommandGroup, ...], other_commands: Iterable[str]
) -> str:
    """The page ``prog`` / ``prog --help`` prints."""
    width = max(len(name) for name in grouped_command_names(groups))
    lines = [
        str(intro),
        "",
        _("Uso: %(prog)s <comando> [opciones]   ·   %(prog)s help <comando>: sus opciones")
        % {"prog": prog},
        "",
    ]
    for group in groups:
        lines.append(f"{group.title}:")
        lines += [f"  {name.ljust(width)}  {text}" for name, text in group.commands]
        lines.append("")
    rest = sorted(set(other_commands) - grouped_command_names(groups))
    if rest:
        lines.append(_("Comandos de Django:"))
        lines += textwrap.wrap(
            ", ".join(rest), width=88, initial_indent="  ", subsequent_indent="  "
        )
    return "\n".join(lines) + "\n"
