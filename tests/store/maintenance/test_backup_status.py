"""What is known of a backup without reading it all: its header and cached verification."""

import json
import os
from datetime import datetime

from itplus.store.maintenance import archive
from itplus.store.maintenance.backup_status import (
    STATUS_BAD,
    STATUS_OK,
    STATUS_UNKNOWN,
    backup_info,
    content_unchanged,
    record_status,
)
from tests.store.maintenance.support import write_archive


def small_backup(path):
    fields, _key = archive.new_header_fields(
        archive_id="00000000-0000-0000-0000-000000000002",
        created_at="2026-11-25T10:00:00+00:00",
        store="Almacén",
        app_version="0.1.0",
        passphrase=None,
    )
    return write_archive(path, fields, [("manifest.json", b"{}")])


def test_header_fields_and_no_status_before_a_verification(tmp_path):
    info = backup_info(small_backup(tmp_path / "a.itpbak"))

    assert info.created_at == datetime.fromisoformat("2026-11-25T10:00:00+00:00")
    assert (info.store, info.app_version, info.encrypted) == ("Almacén", "0.1.0", False)
    assert info.status == STATUS_UNKNOWN and info.is_good is None
    assert info.verified_at is None and info.status_label == "Sin verificar"


def test_a_recorded_verification_is_read_back(tmp_path):
    path = small_backup(tmp_path / "a.itpbak")

    record_status(path, status=STATUS_OK, reason="")
    info = backup_info(path)

    assert info.status == STATUS_OK and info.is_good is True
    assert info.verified_at is not None and info.verified_at.tzinfo is not None
    assert info.as_dict()["verified_at"] == info.verified_at.isoformat()


def test_a_changed_file_is_unverified_again(tmp_path):
    path = small_backup(tmp_path / "a.itpbak")
    record_status(path, status=STATUS_OK, reason="")

    with path.open("ab") as f:
        f.write(b"x")

    assert backup_info(path).status == STATUS_UNKNOWN


def test_an_unreadable_header_is_bad(tmp_path):
    path = tmp_path / "roto.itpbak"
    path.write_bytes(os.urandom(200))

    info = backup_info(path)

    assert info.status == STATUS_BAD and info.is_good is False and info.reason
    assert info.created_at is None
    assert json.dumps(info.as_dict())  # the CLI's --json listing


def test_a_flipped_byte_with_size_and_mtime_kept_is_caught_by_the_content_hash(tmp_path):
    path = small_backup(tmp_path / "a.itpbak")
    record_status(path, status=STATUS_OK, reason="")
    stat = path.stat()
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # in a record, not the header
    path.write_bytes(bytes(data))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))

    info = backup_info(path)
    assert info.status == STATUS_OK  # size and mtime alone cannot tell
    assert not content_unchanged(info)
    assert info.status == STATUS_BAD and "cambió desde que se verificó" in info.reason
    assert backup_info(path).status == STATUS_BAD  # and the cache says so from now on


def test_a_cached_good_status_without_a_content_hash_is_not_trusted(tmp_path):
    path = small_backup(tmp_path / "a.itpbak")
    record_status(path, status=STATUS_OK, reason="")
    cache = tmp_path / ".itplus-verificaciones.json"
    statuses = json.loads(cache.read_text())
    del statuses[path.name]["sha256"]  # written by an earlier itplus
    cache.write_text(json.dumps(statuses))

    assert backup_info(path).status == STATUS_UNKNOWN
