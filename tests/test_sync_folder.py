"""The folder target: atomic write-once bundles, every kind of bad bundle rejected by name, waits on gaps,
crash between write and rename, encryption, references, idempotence and relaying through a device."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from htst_tui.services.records import Records
from htst_tui.services.sync import conflict_detail, list_conflicts, resolve_conflict, sync_status
from htst_tui.settings import Settings, SyncSettings
from htst_tui.sync import bundle as bundle_mod
from htst_tui.sync.crypto import generate_key_pair
from htst_tui.sync.run import sync
from tests.sync_support import add_pupil, add_school, device, losers, snapshot


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    return tmp_path / "stick"


def bundles_of(stick: Path, ctx) -> list[Path]:  # type: ignore[no-untyped-def]
    return sorted((stick / "bundles" / ctx.device_id).glob("*.bundle"))


def test_two_devices_exchange_records_and_files_are_private(tmp_path: Path, stick: Path) -> None:
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    sid = add_school(a)
    pid = add_pupil(a, sid)
    assert sync(a, str(stick)).counts() == {"pushed": 2, "pulled": 0, "conflicts": 0, "rejected": 0}
    assert sync(b, str(stick)).counts() == {"pushed": 0, "pulled": 2, "conflicts": 0, "rejected": 0}
    assert Records(b, "pupils").get(pid).data["school_id"] == sid
    (path,) = bundles_of(stick, a)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    manifest = json.loads(path.read_bytes().split(b"\n")[1])
    assert manifest["device"] == a.device_id and manifest["seq"] == 1 and manifest["count"] == 2
    assert manifest["schema"] == bundle_mod.current_schema() and manifest["format"] == 1


def test_sync_twice_changes_nothing_and_clears_unsynced(tmp_path: Path, stick: Path) -> None:
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    add_school(a)
    assert sync_status(a).unsynced == 1
    sync(a, str(stick))
    sync(b, str(stick))
    before = (snapshot(a), snapshot(b), len(bundles_of(stick, a)))
    for ctx in (a, b, a, b):
        assert sync(ctx, str(stick)).counts() == {"pushed": 0, "pulled": 0, "conflicts": 0, "rejected": 0}
    assert (snapshot(a), snapshot(b), len(bundles_of(stick, a))) == before
    assert sync_status(a).unsynced == 0 and sync_status(a).last_sync_at is not None


def test_crash_between_write_and_rename_leaves_no_bundle_and_next_sync_completes(
        tmp_path: Path, stick: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    sid = add_school(a)
    sync(b, str(stick))  # the store exists already; the crash hits a's bundle
    real_replace = os.replace

    def crash(src: str, dst: str) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(Exception, match="Nothing was marked as sent"):
        sync(a, str(stick))
    monkeypatch.setattr(os, "replace", real_replace)
    assert bundles_of(stick, a) == []
    assert [p.name for p in (stick / "bundles" / a.device_id).iterdir()] == []  # temp file cleaned up
    assert sync_status(a).unsynced == 1  # nothing marked sent
    assert sync(a, str(stick)).pushed == 1
    sync(b, str(stick))
    assert Records(b, "schools").get(sid)


def test_crash_leaving_a_temp_file_is_ignored_by_readers(tmp_path: Path, stick: Path) -> None:
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    add_school(a)
    sync(a, str(stick))
    (stick / "bundles" / a.device_id / ".0000000002.bundle.tmp-999").write_bytes(b"half a bund")
    assert sync(b, str(stick)).counts()["rejected"] == 0


def _two_bundles(tmp_path: Path, stick: Path):  # type: ignore[no-untyped-def]
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    s1 = add_school(a, 1)
    sync(a, str(stick))
    s2 = add_school(a, 2)
    sync(a, str(stick))
    first, second = bundles_of(stick, a)
    return a, b, s1, s2, first, second


@pytest.mark.parametrize("damage, reason", [
    ("tamper", "checksum mismatch"),
    ("truncate", "checksum mismatch"),
    ("schema", "schema '9999_future' is unknown"),
    ("format", "bundle format 99 is not supported"),
    ("garbage", "not an HTST Desk bundle"),
])
def test_bad_bundle_is_rejected_by_name_and_others_apply(tmp_path: Path, stick: Path, damage: str,
                                                         reason: str) -> None:
    a, b, s1, _s2, _first, second = _two_bundles(tmp_path, stick)
    c = device(tmp_path, "c")
    s3 = add_school(c, 3)
    sync(c, str(stick))
    data = second.read_bytes()
    head, manifest, payload = data.split(b"\n", 2)
    if damage == "tamper":
        data = data.replace(b"Fictional School 2", b"Fictional School X")
    elif damage == "truncate":
        data = data[: len(data) - 20]
    elif damage == "garbage":
        data = b"\x00\x01not a bundle"
    else:
        m = json.loads(manifest)
        m["schema" if damage == "schema" else "format"] = "9999_future" if damage == "schema" else 99
        data = head + b"\n" + json.dumps(m).encode() + b"\n" + payload
    os.chmod(second, 0o600)
    second.write_bytes(data)
    result = sync(b, str(stick))
    assert len(result.rejected) == 1
    assert str(second) in str(result.rejected[0]) and reason in str(result.rejected[0])
    assert Records(b, "schools").get(s1) and Records(b, "schools").get(s3)  # the others still apply
    second.write_bytes(bundle_mod.encode_bundle(a.device_id, 2, [], None))  # a good bundle 2 again
    assert sync(b, str(stick)).counts()["rejected"] == 0


def test_gap_makes_later_bundles_wait_until_filled(tmp_path: Path, stick: Path) -> None:
    a, b, s1, s2, _first, second = _two_bundles(tmp_path, stick)
    s3 = add_school(a, 3)
    sync(a, str(stick))
    third = bundles_of(stick, a)[2]
    moved = tmp_path / "elsewhere.bundle"
    second.rename(moved)
    result = sync(b, str(stick))
    assert len(result.rejected) == 1 and "bundle 2 of device" in str(result.rejected[0])
    assert "1 later bundle(s) wait" in str(result.rejected[0])
    assert Records(b, "schools").get(s1)
    assert Records(b, "schools").list().total == 1  # bundles 2 and 3 wait
    moved.rename(second)
    assert sync(b, str(stick)).counts()["rejected"] == 0
    assert Records(b, "schools").get(s2) and Records(b, "schools").get(s3) and third.exists()


def test_duplicate_bundle_copied_under_the_next_number_is_rejected(tmp_path: Path, stick: Path) -> None:
    _a, b, _s1, _s2, first, second = _two_bundles(tmp_path, stick)
    copy = second.with_name(bundle_mod.bundle_name(3))
    copy.write_bytes(first.read_bytes())
    result = sync(b, str(stick))
    assert len(result.rejected) == 1 and "duplicate or misplaced" in str(result.rejected[0])
    assert str(copy) in str(result.rejected[0])
    assert Records(b, "schools").list().total == 2


def test_applying_the_same_bundle_twice_is_a_no_op(tmp_path: Path, stick: Path) -> None:
    _a, b, _s1, _s2, first, second = _two_bundles(tmp_path, stick)
    sync(b, str(stick))
    state = snapshot(b)
    c = device(tmp_path, "c")  # c copies a's bundles into its own name: same versions again
    folder = stick / "bundles" / c.device_id
    folder.mkdir(mode=0o700)
    for seq, src in enumerate((first, second), 1):
        _m, records = bundle_mod.read_bundle(src.read_bytes(), src)
        (folder / bundle_mod.bundle_name(seq)).write_bytes(bundle_mod.encode_bundle(c.device_id, seq, records))
    assert sync(b, str(stick)).counts() == {"pushed": 0, "pulled": 0, "conflicts": 0, "rejected": 0}
    assert snapshot(b) == state


def test_bad_record_is_reported_with_file_and_id_and_never_written(tmp_path: Path, stick: Path) -> None:
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    good = add_school(a, 1)
    sync(a, str(stick))
    (path,) = bundles_of(stick, a)
    _, records = bundle_mod.read_bundle(path.read_bytes(), path)
    bad = dict(records[0], id="6f1d3c1e-0000-4000-8000-000000000001", d=dict(records[0]["d"], postcode="nowhere"))
    path.write_bytes(bundle_mod.encode_bundle(a.device_id, 1, [records[0], bad]))
    result = sync(b, str(stick))
    assert result.pulled == 1 and len(result.rejected) == 1
    msg = str(result.rejected[0])
    assert str(path) in msg and bad["id"] in msg and "postcode" in msg
    assert Records(b, "schools").get(good)
    assert Records(b, "schools").list().total == 1


def test_record_waits_for_a_missing_reference_then_applies(tmp_path: Path, stick: Path) -> None:
    """A pupil whose school is in a bundle not readable yet is reported and re-read later, not lost."""
    a, b, c = device(tmp_path, "a"), device(tmp_path, "b"), device(tmp_path, "c")
    sid = add_school(a)
    sync(a, str(stick))
    sync(b, str(stick))  # b has the school from a's bundle: it does not echo it back
    pid = add_pupil(b, sid)
    sync(b, str(stick))
    (pupil_bundle,) = bundles_of(stick, b)
    (school_bundle,) = bundles_of(stick, a)
    hidden = tmp_path / "hidden"
    school_bundle.rename(hidden)
    result = sync(c, str(stick))
    assert len(result.rejected) == 1
    msg = str(result.rejected[0])
    assert str(pupil_bundle) in msg and pid in msg and "school_id points at school" in msg
    hidden.rename(school_bundle)
    assert sync(c, str(stick)).counts() == {"pushed": 0, "pulled": 2, "conflicts": 0, "rejected": 0}
    assert Records(c, "pupils").get(pid).data["school_id"] == sid


def test_new_target_receives_everything_including_relayed_records(tmp_path: Path) -> None:
    a, b, c = device(tmp_path, "a"), device(tmp_path, "b"), device(tmp_path, "c")
    add_school(a, 1)
    sync(a, str(tmp_path / "one"))
    sync(b, str(tmp_path / "one"))
    add_school(b, 2)
    sync(b, str(tmp_path / "two"))  # b relays a's record to a store that has never seen b
    sync(c, str(tmp_path / "two"))
    assert snapshot(c) == snapshot(b)
    assert Records(c, "schools").list().total == 2


def test_conflict_keeps_loser_same_winner_everywhere_and_resolution_is_a_new_version(
        tmp_path: Path, stick: Path) -> None:
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    sid = add_school(a)
    sync(a, str(stick))
    sync(b, str(stick))
    Records(a, "schools").update(sid, {**Records(a, "schools").get(sid).data, "name": "Edited On A"})
    Records(b, "schools").update(sid, {**Records(b, "schools").get(sid).data, "name": "Edited On B"})
    assert sync(a, str(stick)).conflicts == 0
    assert sync(b, str(stick)).conflicts == 1
    assert sync(a, str(stick)).conflicts == 1
    assert snapshot(a) == snapshot(b) and losers(a) == losers(b) and len(losers(a)) == 1
    detail = conflict_detail(a, list_conflicts(a).rows[0]["seq"])
    names = {detail.fields[1].current, detail.fields[1].other}
    assert names == {"Edited On A", "Edited On B"} and detail.fields[1].differs
    assert not detail.fields[0].differs
    loser_name = detail.fields[1].other
    new_rev = resolve_conflict(a, detail.seq, "other")
    assert Records(a, "schools").get(sid).data["name"] == loser_name
    assert Records(a, "schools").get(sid).rev == new_rev
    sync(a, str(stick))
    sync(b, str(stick))
    assert Records(b, "schools").get(sid).data["name"] == loser_name
    assert losers(a) == losers(b) == set()


def test_tombstones_sync(tmp_path: Path, stick: Path) -> None:
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    sid = add_school(a)
    sync(a, str(stick))
    sync(b, str(stick))
    Records(b, "schools").delete(sid)
    sync(b, str(stick))
    sync(a, str(stick))
    assert Records(a, "schools").get(sid, include_deleted=True).deleted


def test_encrypted_bundles_round_trip_and_wrong_key_is_rejected(tmp_path: Path) -> None:
    council, _ = generate_key_pair(tmp_path / "council")
    wrong, _ = generate_key_pair(tmp_path / "wrong")
    pub = str(tmp_path / "council" / "htst-bundle-key.pub")
    field_settings = Settings(sync=SyncSettings(encrypt_bundles=True, public_key_path=pub))
    office_settings = Settings(sync=SyncSettings(encrypt_bundles=True, public_key_path=pub,
                                                 private_key_path=str(council)))
    wrong_settings = Settings(sync=SyncSettings(private_key_path=str(wrong)))
    stick = tmp_path / "stick"
    a = device(tmp_path, "a", field_settings)
    sid = add_school(a)
    sync(a, str(stick))
    (path,) = bundles_of(stick, a)
    assert b"Fictional School" not in path.read_bytes()
    assert json.loads(path.read_bytes().split(b"\n")[1])["encrypted"] is True
    office = device(tmp_path, "office", office_settings)
    assert sync(office, str(stick)).pulled == 1
    assert Records(office, "schools").get(sid)
    other_field = device(tmp_path, "f", field_settings)
    result = sync(other_field, str(stick))
    assert result.pulled == 0 and not result.rejected and "private key" in result.notices[0]
    thief = device(tmp_path, "t", wrong_settings)
    result = sync(thief, str(stick))
    assert len(result.rejected) == 1 and "wrong key" in str(result.rejected[0])
    assert Records(thief, "schools").list().total == 0
