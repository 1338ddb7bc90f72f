"""`htst import`: good files land whole; a bad file lands not at all and says exactly where it is wrong.

Each bad input is a small named file in tests/data/import/.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from htst_tui.cli import main
from htst_tui.services.context import ServiceContext
from htst_tui.services.importer import KINDS, ImportProblems, Problem, import_csv
from htst_tui.services.records import Records

DATA = Path(__file__).parent / "data" / "import"
ORDER = ("schools", "operators", "routes", "pupils", "crews", "members")


def run(db_path: Path, kind: str, name: str, *extra: str) -> Result:
    return CliRunner().invoke(main, ["import", kind, str(DATA / name), "--db", str(db_path), *extra])


def query(path: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def count(path: Path, table: str) -> int:
    return query(path, f"SELECT count(*) FROM {table}")[0][0]


def problems_of(result: Result) -> list[str]:
    return [line.strip() for line in result.output.splitlines() if line.startswith("  ")]


def import_all(db_path: Path) -> None:
    for kind in ORDER:
        result = run(db_path, kind, f"{kind}.csv")
        assert result.exit_code == 0, result.output


def test_every_kind_imports_with_references_resolved(db_path: Path) -> None:
    import_all(db_path)
    assert [count(db_path, t) for t in ("schools", "operators", "routes", "pupils", "crew_members",
                                        "panel_members")] == [3, 2, 3, 3, 3, 2]
    # route IMP002 names operator "demo-ph-02" in lower case and two schools with a space after the ;
    (school_ids, operator), = query(db_path, "SELECT school_ids, operator_id FROM routes WHERE code = 'IMP002'")
    urns = dict(query(db_path, "SELECT id, urn FROM schools"))
    assert sorted(urns[i] for i in school_ids.strip("[]").replace('"', "").split(", ")) == [900001, 900002]
    assert query(db_path, f"SELECT licence_no FROM operators WHERE id = '{operator}'") == [("DEMO-PH-02",)]
    pupils = query(db_path, "SELECT p.la_reference, p.send, p.ehcp, p.needs_summary, r.code, s.urn FROM pupils p "
                            "JOIN schools s ON s.id = p.school_id LEFT JOIN routes r ON r.id = p.route_id "
                            "ORDER BY p.la_reference")
    assert pupils == [
        ("DEMO100001", 1, 1, "Uses a wheelchair; needs a WAV.", "IMP001", 900001),
        ("DEMO100002", 0, 0, "", None, 900002),
        ("DEMO100003", 1, 0, "Anxious at transitions, needs a familiar PA", "IMP003", 900003),
    ]
    crews = query(db_path, "SELECT badge_number, role, dbs_expiry FROM crew_members ORDER BY badge_number")
    assert crews[0] == ("DEMO-D01", "driver", "2027-04-30")
    assert query(db_path, "SELECT postcode FROM schools WHERE urn = 900003") == [("ZZ9 3AD",)]
    audit = query(db_path, "SELECT action, detail, fields, record_id FROM audit_log WHERE entity = 'schools'")
    assert [a[:3] for a in audit] == [("create", "imported from schools.csv",
                                       '["name", "phase", "postcode", "urn"]')] * 3  # field names, never values
    assert sorted(a[3] for a in audit) == sorted(i for (i,) in query(db_path, "SELECT id FROM schools"))


def test_summary_line(db_path: Path) -> None:
    result = run(db_path, "schools", "schools.csv")
    assert result.exit_code == 0
    assert "Imported 3 schools from schools.csv" in result.output


def test_bad_rows_report_line_and_column_and_import_nothing(db_path: Path) -> None:
    result = run(db_path, "schools", "schools_bad_rows.csv")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "4 problems; nothing was imported" in result.output
    assert problems_of(result) == [
        "line 3, column urn: must be at least 100000",
        "line 4, column name: is required",
        "line 5, column phase: must be one of 'nursery', 'primary', 'secondary', 'all_through', 'special', "
        "'alternative_provision' or 'post_16'",
        "line 5, column postcode: is not a UK postcode (for example BN1 1AA)",
    ]
    assert count(db_path, "schools") == 0  # line 2 was good, but the file is all or nothing
    assert count(db_path, "audit_log") == 0


def test_bad_values_in_yes_no_and_date_columns(db_path: Path) -> None:
    run(db_path, "schools", "schools.csv")
    result = run(db_path, "pupils", "pupils_bad_values.csv")
    assert result.exit_code == 1
    assert problems_of(result) == [
        "line 2, column send: must be yes or no (got 'perhaps')",
        "line 3, column date_of_birth: must be a date like 2026-09-01",
    ]


def test_unknown_references_name_line_column_and_key(db_path: Path) -> None:
    run(db_path, "schools", "schools.csv")
    run(db_path, "operators", "operators.csv")
    result = run(db_path, "routes", "routes_unknown_references.csv")
    assert result.exit_code == 1
    assert problems_of(result) == [
        "line 3, column operator_licence: no operator with licence_no NO-SUCH-LICENCE (import the operators first)",
        "line 4, column school_urns: no school with urn 999998 (import the schools first)",
    ]
    assert count(db_path, "routes") == 0


def test_a_deleted_record_cannot_be_referred_to(ctx: ServiceContext, db_path: Path) -> None:
    import_csv(ctx, "schools", DATA / "schools.csv")
    import_csv(ctx, "operators", DATA / "operators.csv")
    page = Records(ctx, "schools").list(filters={"urn": 900003})
    Records(ctx, "schools").delete(page.rows[0]["id"])
    with pytest.raises(ImportProblems) as info:
        import_csv(ctx, "routes", DATA / "routes.csv")
    assert info.value.problems == [Problem(4, "school_urns", "no school with urn 900003 (import the schools first)")]


def test_duplicate_key_within_the_file(db_path: Path) -> None:
    result = run(db_path, "schools", "schools_duplicate_urn.csv")
    assert result.exit_code == 1
    assert problems_of(result) == ["line 4, column urn: 900001 is already on line 2 of this file"]


def test_duplicate_key_against_the_database(db_path: Path) -> None:
    run(db_path, "crews", "crews.csv")  # refused: no operators yet
    import_all(db_path)
    result = run(db_path, "crews", "crews.csv")
    assert result.exit_code == 1
    assert problems_of(result)[0] == "line 2, column badge_number: a crew member with badge_number DEMO-D01 " \
                                      "already exists"
    assert count(db_path, "crew_members") == 3


def test_dry_run_validates_and_writes_nothing(db_path: Path) -> None:
    result = run(db_path, "schools", "schools.csv", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Dry run: 3 schools would be imported from schools.csv; nothing was written." in result.output
    assert count(db_path, "schools") == 0
    assert count(db_path, "audit_log") == 0
    bad = run(db_path, "schools", "schools_bad_rows.csv", "--dry-run")
    assert bad.exit_code == 1
    assert "line 3, column urn" in bad.output


def test_byte_order_mark_and_windows_line_endings(db_path: Path) -> None:
    result = run(db_path, "schools", "schools_bom_crlf.csv")
    assert result.exit_code == 0, result.output
    assert query(db_path, "SELECT urn, name FROM schools") == [(900001, "Fictional Heron Primary (IMPORT)")]


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("schools", "schools_missing_column.csv", "line 1, column postcode: is missing from the header row"),
        ("schools", "schools_unknown_column.csv",
         "line 1, column headteacher: is not a schools column (expected: urn, name, phase, postcode)"),
        ("schools", "schools_wrong_cell_count.csv", "line 3: has 5 values but the header has 4 columns"),
        ("schools", "schools_latin1.csv", 'line 3: is not UTF-8 text: save the file as "CSV UTF-8" and try again'),
        ("schools", "empty.csv", "is empty: the first line must be the header row"),
        ("schools", "schools_header_only.csv", "has a header row but no data rows"),
        ("schools", "schools_xlsx_renamed.csv", "is not a CSV text file (it holds binary data)"),
        ("schools", "schools_json.csv",
         "line 1: does not look like a schools file: the header row should be urn,name,phase,postcode"),
        ("members", "members_unclosed_quote.csv", "line 2: has 1 value but the header has 4 columns"),
        ("routes", "schools.csv",
         "line 1: does not look like a routes file: the header row should be "
         "code,operator_licence,school_urns,vehicle_type"),
    ],
)
def test_bad_files_are_refused_with_one_clear_problem(db_path: Path, kind: str, name: str, expected: str) -> None:
    result = run(db_path, kind, name)
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert f"{name}: 1 problem; nothing was imported." in result.output
    assert problems_of(result) == [expected]
    assert count(db_path, "schools") == 0


def test_unknown_kind_and_missing_file_are_usage_errors(db_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["import", "buses", str(DATA / "schools.csv"), "--db", str(db_path)]).exit_code == 2
    assert runner.invoke(main, ["import", "schools", str(DATA / "nope.csv"), "--db", str(db_path)]).exit_code == 2


def test_help_documents_every_column_of_every_kind() -> None:
    result = CliRunner().invoke(main, ["import", "--help"])
    assert result.exit_code == 0
    for kind in KINDS.values():
        assert f"{kind.name} columns:" in result.output
        assert ",".join(c.name for c in kind.columns) in result.output


def test_readme_documents_every_column_of_every_kind() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    for kind in KINDS.values():
        assert f"| `{kind.name}` | `{','.join(c.name for c in kind.columns)}` |" in readme


def test_large_file_imports_in_one_go(ctx: ServiceContext, tmp_path: Path) -> None:
    import_csv(ctx, "schools", DATA / "schools.csv")
    born = dt.date.today().replace(year=dt.date.today().year - 10, month=1, day=15)
    lines = ["la_reference,first_name,last_name,date_of_birth,school_urn,year_group,send"]
    lines += [f"BULK{n:06d},Kit,Mossgrove,{born.isoformat()},900002,5,{'yes' if n % 2 else 'no'}"
              for n in range(3000)]
    big = tmp_path / "pupils.csv"
    big.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_csv(ctx, "pupils", big)
    assert result.count == 3000
    assert Records(ctx, "pupils").list("BULK00299").total == 10
