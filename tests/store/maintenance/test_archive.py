"""The .itpbak container on its own: records, checksums, encryption, atomic writing."""

import os
import struct

import pytest

from itplus.store.maintenance import archive
from tests.store.maintenance.support import flip, read_members, write_archive

BIG = os.urandom(3 * archive.CHUNK_SIZE + 12345)  # incompressible: several records


def fields(**extra):
    fields, _key = archive.new_header_fields(
        archive_id="00000000-0000-0000-0000-000000000001",
        created_at="2026-11-25T10:00:00+00:00",
        store="Almacén",
        app_version="0.1.0",
        passphrase=None,
    )
    return {**fields, **extra}


@pytest.fixture
def plain(tmp_path):
    return write_archive(
        tmp_path / "a.itpbak", fields(), [("media/big.bin", BIG), ("manifest.json", b"{}")]
    )


@pytest.fixture
def encrypted(tmp_path):
    return write_archive(
        tmp_path / "e.itpbak",
        fields(),
        [("media/big.bin", BIG), ("manifest.json", b"{}")],
        passphrase="correcto caballo batería",
    )


def records(path):
    """(offset, length, final) of every record: the body's, then the manifest section's."""
    data = path.read_bytes()
    offset = archive.read_header_file(path).size
    found = []
    while offset < len(data):
        (word,) = struct.unpack(">I", data[offset : offset + 4])
        length = word & ~archive.FINAL_FLAG
        found.append((offset, 4 + length, bool(word & archive.FINAL_FLAG)))
        offset += 4 + length
    return found


def test_plain_round_trip_keeps_members_in_order(plain):
    header, members = read_members(plain)
    assert [n for n, _ in members] == ["media/big.bin", "manifest.json"]
    assert members[0][1] == BIG
    assert header["encryption"] is None
    assert len(records(plain)) >= 4 and records(plain)[-1][2] and not records(plain)[0][2]


def test_encrypted_round_trip_and_nothing_readable_in_clear(encrypted):
    _header, members = read_members(encrypted, passphrase="correcto caballo batería")
    assert dict(members)["media/big.bin"] == BIG
    assert b"media/big.bin" not in encrypted.read_bytes()
    header = archive.read_header_file(encrypted)
    assert header.encrypted
    assert header.fields["encryption"]["kdf"] == "argon2id"
    assert header.fields["encryption"]["memory_kib"] >= 64 * 1024


def test_wrong_or_missing_passphrase_is_its_own_error(encrypted):
    with pytest.raises(archive.PassphraseError, match="frase de paso no es"):
        read_members(encrypted, passphrase="otra")
    with pytest.raises(archive.PassphraseError, match="indique la frase"):
        read_members(encrypted)


@pytest.mark.parametrize("which", ["plain", "encrypted"])
@pytest.mark.parametrize("where", [3, 20, "record1", "middle", -1, -20])
def test_one_flipped_byte_anywhere_is_detected(request, which, where):
    path = request.getfixturevalue(which)
    offset = {
        "record1": records(path)[1][0] + 100,
        "middle": path.stat().st_size // 2,
    }.get(where, where)
    flip(path, offset)
    with pytest.raises(archive.ArchiveError) as caught:
        read_members(path, passphrase="correcto caballo batería" if which == "encrypted" else None)
    # Damage is never mistaken for a wrong passphrase (the header has its own checksum).
    assert not isinstance(caught.value, archive.PassphraseError)
    assert "dañad" in str(caught.value) or "No es un respaldo" in str(caught.value)


@pytest.mark.parametrize("which", ["plain", "encrypted"])
def test_truncation_at_a_record_boundary_is_detected(request, which):
    path = request.getfixturevalue(which)
    last_offset = records(path)[-1][0]
    path.write_bytes(path.read_bytes()[:last_offset])  # drop the final record exactly
    with pytest.raises(archive.ArchiveError, match="truncado"):
        read_members(path, passphrase="correcto caballo batería" if which == "encrypted" else None)


@pytest.mark.parametrize("which", ["plain", "encrypted"])
def test_swapped_records_are_detected(request, which):
    path = request.getfixturevalue(which)
    data = path.read_bytes()
    (a, alen, _), (b, blen, _) = records(path)[0], records(path)[1]
    assert alen == blen
    swapped = data[:a] + data[b : b + blen] + data[a : a + alen] + data[b + blen :]
    path.write_bytes(swapped)
    with pytest.raises(archive.ArchiveError, match="bloque 1"):
        read_members(path, passphrase="correcto caballo batería" if which == "encrypted" else None)


def test_data_after_the_final_record_is_detected(plain):
    plain.write_bytes(plain.read_bytes() + b"\0" * 10)
    with pytest.raises(archive.ArchiveError, match="después del final"):
        read_members(plain)


def test_record_from_another_archive_does_not_fit(tmp_path, plain):
    other = write_archive(
        tmp_path / "b.itpbak",
        fields(archive_id="00000000-0000-0000-0000-000000000002"),
        [("media/big.bin", BIG), ("manifest.json", b"{}")],
    )
    mine, theirs = plain.read_bytes(), other.read_bytes()
    ((offset, length, _),) = [r for r in records(plain) if r[0] == records(plain)[1][0]]
    plain.write_bytes(mine[:offset] + theirs[offset : offset + length] + mine[offset + length :])
    with pytest.raises(archive.ArchiveError, match="bloque 2"):
        read_members(plain)


def test_newer_format_is_refused_by_the_header(tmp_path):
    path = write_archive(tmp_path / "n.itpbak", fields(format=99), [("manifest.json", b"{}")])
    with pytest.raises(archive.UnsupportedArchive, match="más nuevo"):
        archive.read_header_file(path)


def test_not_an_archive(tmp_path):
    path = tmp_path / "x.itpbak"
    path.write_bytes(b"SQLite format 3\0" + b"\0" * 100)
    with pytest.raises(archive.ArchiveError, match="No es un respaldo"):
        archive.read_header_file(path)


def test_a_writer_left_without_commit_leaves_nothing(tmp_path):
    final = tmp_path / "x.itpbak"
    with pytest.raises(RuntimeError):
        with archive.ArchiveWriter(final, header_fields=fields()) as writer:
            writer.add_bytes("media/a", b"a" * 1000)
            assert archive.tmp_path_for(final).exists()
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_commit_gives_the_final_name_and_no_tmp(tmp_path):
    final = write_archive(tmp_path / "x.itpbak", fields(), [("manifest.json", b"{}")])
    assert [p.name for p in tmp_path.iterdir()] == ["x.itpbak"]
    assert final.read_bytes().startswith(archive.MAGIC)
