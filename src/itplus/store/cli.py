"""The `itplus` console script: Django's manage command with the store settings preset."""

import os
import sys

from itplus.store.config.home import home_prepare


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itplus.store.settings")
    home_prepare()  # before the settings are read: they find the secret key in place
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], *sys.argv[1:]])


if __name__ == "__main__":
    main()
