"""The names of the offline install kit, shared by ``itplus kit build`` (which writes it)
and ``itplus guide reinstall`` (which tells the shop to use it): one source, so the
guide always names the folders, files and commands the kit really has."""

from __future__ import annotations

# The kit is one folder, copied to the USB stick as ``itplus`` (E:\itplus).
KIT_FOLDER = "itplus"
INSTALLER_FOLDER = "instalador"  # the install scripts (and the Python installer)
PACKAGES_FOLDER = "paquetes"  # the wheels of itplus and of every dependency
BACKUPS_FOLDER = "respaldos"  # the newest verified good backup (--with-backup)
WINDOWS_SCRIPT = "instalar.cmd"
LINUX_SCRIPT = "instalar.sh"
GUIDE_TEXT = "guia-reinstalacion.txt"
GUIDE_HTML = "guia-reinstalacion.html"
KEY_NOTE = "LEAME-clave.txt"  # in BACKUPS_FOLDER: how to give the backup key
MANIFEST = "manifiesto-sha256.txt"  # "<sha256>  <path>" per file (sha256sum -c)
# CPython versions the kit carries wheels for (both systems).
PYTHON_VERSIONS = ("3.11", "3.12")
# The Windows Python installer the guide asks for in INSTALLER_FOLDER.
PYTHON_INSTALLER_HINT = "python-3.11.9-amd64.exe"
