"""A backup is untrusted input: each attack is built first (and shown to be one), then
refused by verify and restore with nothing, or almost nothing, written.

The attacker here has the backup file but not the store's key: plain records carry
SHA-256 sums that need no key, so the records can be rewritten at will; only the
manifest's HMAC cannot be forged. (With the key, the sizes are the attacker's; then the
global cap and the free space still bound what a check writes.)
"""

import gc
import hashlib
import tempfile
from pathlib import Path

import pytest

from itplus.store.maintenance import archive, digest, verify
from itplus.store.maintenance.backup import CONFIG_MEMBER, backup_create
from itplus.store.maintenance.backup_folder import VERIFY_FOLDER_PREFIX
from itplus.store.maintenance.restore import RestoreRefused, backup_restore
from itplus.store.maintenance.verify import backup_verify
from tests.store.maintenance.support import (
    as_format_1,
    build_store,
    clear_home,
    home,
    manifest_of,
    read_members,
    replace_member,
    resign,
    write_archive,
    write_format_1,
)

pytestmark = pytest.mark.django_db(transaction=True)
BOMB = 256 * 1024 * 1024  # what the member inflates to
WRITE_CAP = 4 * 1024 * 1024  # what a refused check may write, everything included


@pytest.fixture(autouse=True)
def own_temp_folder(tmp_path, monkeypatch):
    """This test's own temporary folder: scratch folders of other processes (another
    test run on the machine) are not mistaken for ones this test left behind."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))


@pytest.fixture(autouse=True)
def clean_home(transactional_db, scratch_aliases):
    clear_home()
    yield
    clear_home()


@pytest.fixture
def genuine(tmp_path):
    build_store(sales=2, back_office=False)
    return backup_create(to=tmp_path / "bk").path


@pytest.fixture
def zeros(tmp_path):
    """256 MiB of zeros as a sparse file: the bomb's member costs no disk to build."""
    path = tmp_path / "zeros.bin"
    with path.open("wb") as fh:
        fh.truncate(BOMB)
    return path


def bytes_written() -> int:
    """Bytes this thread (the one that runs the check) has handed to write() so far:
    files, pipes, sockets. Garbage is collected first (a connection of an earlier test
    closed meanwhile is not the check's writing)."""
    gc.collect()
    try:
        text = Path("/proc/thread-self/io").read_text()
    except OSError:
        pytest.skip("needs /proc/thread-self/io (Linux)")
    return next(int(line.split()[1]) for line in text.splitlines() if line.startswith("wchar:"))


def scratch_folders() -> set[Path]:
    return {
        *home().glob(f"{VERIFY_FOLDER_PREFIX}*"),
        *Path(tempfile.gettempdir()).glob(f"{VERIFY_FOLDER_PREFIX}*"),
    }


def inflated(path: Path, name: str) -> int:
    """What one member decompresses to, counted without writing it anywhere."""
    with archive.ArchiveReader(path) as reader:
        for info, stream in reader.members():
            if info.name == name:
                total = 0
                while block := stream.read(archive.CHUNK_SIZE):
                    total += len(block)
                return total
    raise AssertionError(name)


def bomb_of(genuine: Path, dest: Path, zeros: Path, *, old_format: bool = False) -> Path:
    """The genuine backup with its small config member swapped for 256 MiB of zeros and
    moved first (so it bites before the database is extracted; a check never writes more
    than the declared sizes anyway); the signed manifest is kept as is (it still declares
    the real ~1 KiB)."""
    source = as_format_1(genuine, dest.with_suffix(".f1.itpbak")) if old_format else genuine
    fields, members = read_members(source)
    members = [(CONFIG_MEMBER, zeros), *((n, d) for n, d in members if n != CONFIG_MEMBER)]
    if old_format:
        return write_format_1(dest, fields, members)
    return write_archive(dest, fields, members)


def test_the_decompression_bomb_is_refused_by_verify_writing_almost_nothing(
    genuine, zeros, tmp_path
):
    bomb = bomb_of(genuine, tmp_path / "bomba.itpbak", zeros)
    # the attack: a small file whose ~1 KiB member inflates to 256 MiB, signature intact
    declared = manifest_of(read_members(genuine)[1])["manifest"]["files"][CONFIG_MEMBER]
    assert declared["size"] < 2048
    assert bomb.stat().st_size < 2 * 1024 * 1024
    assert inflated(bomb, CONFIG_MEMBER) == BOMB
    before_folders = scratch_folders()

    before = bytes_written()
    result = backup_verify(path=bomb)
    written = bytes_written() - before

    assert written < WRITE_CAP, written
    assert result.status == "bad"
    assert "bomba de descompresión" in result.reason
    assert f"{CONFIG_MEMBER} ocupa 256,0 MiB" in result.reason
    assert f"declara {archive.human_size(declared['size'])}" in result.reason
    assert scratch_folders() == before_folders  # and the scratch folder is gone


def test_the_bomb_is_refused_by_restore_before_touching_the_store(genuine, zeros, tmp_path):
    bomb = bomb_of(genuine, tmp_path / "bomba.itpbak", zeros)
    content = digest.content_digest()[0]

    before = bytes_written()
    with pytest.raises(RestoreRefused, match="bomba de descompresión"):
        backup_restore(path=bomb)
    written = bytes_written() - before

    assert written < WRITE_CAP, written
    with pytest.raises(RestoreRefused, match="no se puede forzar"):
        backup_restore(path=bomb, force=True)
    assert digest.content_digest()[0] == content
    assert not list(home().glob(f"{VERIFY_FOLDER_PREFIX}*"))  # nothing staged in ITPLUS_HOME
    assert not (home() / "backups").exists()  # refused before the safety backup


def test_the_bomb_in_the_old_format_is_refused_too(genuine, zeros, tmp_path):
    bomb = bomb_of(genuine, tmp_path / "bomba-f1.itpbak", zeros, old_format=True)
    assert archive.read_header_file(bomb).locator is None  # format 1: manifest last

    before = bytes_written()
    result = backup_verify(path=bomb)
    written = bytes_written() - before

    assert written < WRITE_CAP, written
    assert result.status == "bad" and "bomba de descompresión" in result.reason


def test_a_member_larger_than_its_manifest_entry_is_not_written(genuine, tmp_path):
    name = "media/productos/leche.png"
    fields, members = read_members(genuine)
    declared = manifest_of(members)["manifest"]["files"][name]["size"]
    grown = write_archive(
        tmp_path / "grande.itpbak",
        fields,
        replace_member(members, name, dict(members)[name] + bytes(1024 * 1024)),
    )

    (tmp_path / "scratch").mkdir()
    result = backup_verify(path=grown, keep_in=tmp_path / "scratch")
    try:
        assert result.status == "bad"
        assert f"{name} ocupa 1,0 MiB" in result.reason
        assert archive.human_size(declared) in result.reason
        assert not (result.content_dir / name).exists()
    finally:
        __import__("shutil").rmtree(result.staged)


def test_declared_sizes_over_the_global_cap_are_refused_before_extracting(
    genuine, zeros, tmp_path, monkeypatch
):
    """Someone with the key declares the 256 MiB honestly: the check still refuses what
    it will not hold."""
    fields, members = read_members(genuine)
    sha = hashlib.sha256(bytes(BOMB)).hexdigest()
    signed = resign(
        manifest_of(members),
        lambda m: m["files"].update({CONFIG_MEMBER: {"sha256": sha, "size": BOMB}}),
    )
    members = [(n, zeros if n == CONFIG_MEMBER else d) for n, d in members]
    honest = write_archive(
        tmp_path / "grande.itpbak", fields, replace_member(members, "manifest.json", signed)
    )
    monkeypatch.setattr(verify, "MAX_CONTENT_BYTES", 64 * 1024 * 1024)

    before = bytes_written()
    result = backup_verify(path=honest)

    assert bytes_written() - before < WRITE_CAP
    assert result.status == "bad"
    assert "más que el máximo" in result.reason and "no se extrajo nada" in result.reason


def test_a_format_1_backup_still_verifies_and_restores(genuine, tmp_path):
    old = as_format_1(genuine, tmp_path / "formato-1.itpbak")
    header = archive.read_header_file(old)
    assert header.fields["format"] == 1 and header.locator is None
    _fields, members = read_members(old)
    assert members[-1][0] == "manifest.json"  # the old layout: the manifest is last

    result = backup_verify(path=old)
    assert result.ok, result.problems
    assert result.file_sha256 == archive.file_sha256(old)
    assert backup_restore(path=old).identical


def test_the_scratch_folder_goes_on_ctrl_c(genuine, monkeypatch):
    def interrupted(*args, **kwargs):
        assert len(scratch_folders()) > len(before)  # members were extracted by now
        raise KeyboardInterrupt

    monkeypatch.setattr(verify, "_check_database", interrupted)
    before = scratch_folders()
    for keep_in in (None, home()):
        with pytest.raises(KeyboardInterrupt):
            backup_verify(path=genuine, keep_in=keep_in)
        assert scratch_folders() == before


def test_verify_records_the_hash_of_the_file_it_read(genuine):
    result = backup_verify(path=genuine)
    assert result.ok and result.file_sha256 == archive.file_sha256(genuine)
