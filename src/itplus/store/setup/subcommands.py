"""Subcommands of ``itplus setup`` that live in higher apps.

``setup`` sits below maintenance, so ``itplus setup server`` (which needs maintenance's
content digest) is registered by maintenance in its ``AppConfig.ready()``:
``register_setup_subcommand("server", ...)``. The command lists what is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SetupSubcommand:
    name: str
    help: str
    add_arguments: Callable[[Any], None]  # argparse parser → None
    handle: Callable[..., None]  # (command, **options) → None


_registered: dict[str, SetupSubcommand] = {}


def register_setup_subcommand(
    name: str, *, help: str, add_arguments: Callable[[Any], None], handle: Callable[..., None]
) -> None:
    _registered[name] = SetupSubcommand(name, help, add_arguments, handle)


def setup_subcommands() -> list[SetupSubcommand]:
    return [_registered[name] for name in sorted(_registered)]
