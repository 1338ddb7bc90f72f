"""`htst sync`, `htst export`, `htst keygen`: JSON keys, exit codes, deterministic CSVs, XLSX sheets."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from htst_tui.cli import main
from htst_tui.entities import ENTITIES
from htst_tui.settings import Settings, SyncSettings, save_settings
from tests.sync_support import add_pupil, add_school, device, fresh_pg_database, pg_server  # noqa: F401


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_sync_json_has_exactly_the_four_keys(tmp_path: Path) -> None:
    a = device(tmp_path, "a")
    add_school(a)
    db = str(a.db.path)
    a.close()
    code, out, _ = run("sync", "--to", str(tmp_path / "stick"), "--db", db, "--json")
    assert code == 0
    assert json.loads(out) == {"pushed": 1, "pulled": 0, "conflicts": 0, "rejected": 0}


def test_sync_exits_1_when_something_was_rejected_after_applying_the_rest(tmp_path: Path) -> None:
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    add_school(a)
    stick = tmp_path / "stick"
    (stick / "bundles" / "not-a-device").mkdir(parents=True)
    dba, dbb = str(a.db.path), str(b.db.path)
    a.close()
    b.close()
    assert run("sync", "--to", str(stick), "--db", dba)[0] == 1
    code, out, err = run("sync", "--to", str(stick), "--db", dbb, "--json")
    assert code == 1
    assert json.loads(out) == {"pushed": 0, "pulled": 1, "conflicts": 0, "rejected": 1}
    assert "not-a-device" in err


def test_sync_uses_the_default_target_from_settings_or_says_what_is_missing(tmp_path: Path) -> None:
    a = device(tmp_path, "a")
    db = str(a.db.path)
    a.close()
    code, _, err = run("sync", "--db", db)
    assert code == 1 and "No sync target" in err
    save_settings(Settings(sync=SyncSettings(default_target=str(tmp_path / "default-stick"))))
    code, out, _ = run("sync", "--db", db, "--json")
    assert code == 0 and json.loads(out)["rejected"] == 0
    assert (tmp_path / "default-stick" / "htst-store.json").exists()


def test_sync_to_an_unreachable_postgres_is_one_plain_error(tmp_path: Path) -> None:
    a = device(tmp_path, "a")
    db = str(a.db.path)
    a.close()
    code, _, err = run("sync", "--db", db, "--to", "postgresql+psycopg://nobody:secret@127.0.0.1:1/none")
    assert code == 1 and "PostgreSQL" in err and "secret" not in err and "Traceback" not in err


def _filled_store(tmp_path: Path, target: str) -> None:
    a, b = device(tmp_path, "a"), device(tmp_path, "b")
    sid = add_school(a, 1)
    add_pupil(a, sid, 1)
    add_school(b, 2, name="Fictional School, \"Quoted\" Ünïcode")
    for ctx in (a, b, a):
        from htst_tui.sync.run import sync

        sync(ctx, target)
    a.close()
    b.close()


def test_export_is_deterministic_complete_and_has_a_sheet_per_entity(tmp_path: Path) -> None:
    stick = tmp_path / "stick"
    _filled_store(tmp_path, str(stick))
    assert run("export", "--from", str(stick), "--to", str(tmp_path / "one"))[0] == 0
    assert run("export", "--from", str(stick), "--to", str(tmp_path / "two"), "--format", "csv")[0] == 0
    for ent in ENTITIES:
        one = (tmp_path / "one" / f"{ent.name}.csv").read_bytes()
        assert one == (tmp_path / "two" / f"{ent.name}.csv").read_bytes()
        header = one.decode("utf-8").splitlines()[0].split(",")
        assert header == ["id", *ent.data_fields, "rev", "updated_at", "updated_by", "origin_device", "deleted"]
        assert stat.S_IMODE((tmp_path / "one" / f"{ent.name}.csv").stat().st_mode) == 0o600
    schools = (tmp_path / "one" / "schools.csv").read_text(encoding="utf-8").splitlines()
    assert len(schools) == 3 and '"Fictional School, ""Quoted"" Ünïcode"' in "\n".join(schools)
    ids = [line.split(",")[0] for line in schools[1:]]
    assert ids == sorted(ids)
    pupils = (tmp_path / "one" / "pupils.csv").read_text(encoding="utf-8").splitlines()
    assert ",2016-05-04," in pupils[1]
    wb = load_workbook(tmp_path / "one" / "htst-export.xlsx", read_only=True)
    assert wb.sheetnames == [e.name for e in ENTITIES]
    assert next(iter(wb["schools"].iter_rows(values_only=True)))[0] == "id"
    assert len(list(wb["pupils"].iter_rows(values_only=True))) == 2
    assert not (tmp_path / "two" / "htst-export.xlsx").exists()


@pytest.mark.postgres
def test_export_from_postgres_matches_export_from_a_folder_with_the_same_records(tmp_path: Path,
                                                                              pg_server: str) -> None:  # noqa: F811
    url, drop = fresh_pg_database(pg_server)
    try:
        _filled_store(tmp_path, url)
        code, out, _ = run("export", "--from", url, "--to", str(tmp_path / "pg"), "--format", "csv")
        assert code == 0 and "schools: 2 rows" in out and "pupils: 1 rows" in out
    finally:
        drop()


def test_keygen_then_encrypted_export_needs_the_key(tmp_path: Path) -> None:
    code, out, _ = run("keygen", "--to", str(tmp_path / "keys"))
    assert code == 0
    private = tmp_path / "keys" / "htst-bundle-key.private"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert run("keygen", "--to", str(tmp_path / "keys"))[0] == 1  # never overwrites a private key
    settings = Settings(sync=SyncSettings(encrypt_bundles=True,
                                          public_key_path=str(tmp_path / "keys" / "htst-bundle-key.pub")))
    a = device(tmp_path, "a", settings)
    add_school(a)
    from htst_tui.sync.run import sync

    sync(a, str(tmp_path / "stick"))
    a.close()
    code, _, err = run("export", "--from", str(tmp_path / "stick"), "--to", str(tmp_path / "out"))
    assert code == 1 and "--key" in err
    code, out, _ = run("export", "--from", str(tmp_path / "stick"), "--to", str(tmp_path / "out"),
                       "--key", str(private))
    assert code == 0 and "schools: 1 rows" in out
