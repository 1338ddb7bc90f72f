"""The generic records service: every form's writes go through it, so its guarantees are tested here."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from htst_tui.db.local import AuditEntry
from htst_tui.domain.revisions import generation
from htst_tui.entities import entity
from htst_tui.errors import NotFound, RecordLocked, ValidationFailed
from htst_tui.services.context import ServiceContext
from htst_tui.services.records import Records, _show_links

SCHOOL = {"urn": 900101, "name": "Fictional Heron Primary (DEMO)", "phase": "primary", "postcode": "zz9 1ab"}


def audit(ctx: ServiceContext) -> list[AuditEntry]:
    with ctx.read() as session:
        return list(session.execute(select(AuditEntry).order_by(AuditEntry.seq)).scalars())


def sync_row(ctx: ServiceContext, name: str, record_id: str):  # type: ignore[no-untyped-def]
    with ctx.read() as session:
        return session.get(entity(name).orm, record_id)


def make_route(ctx: ServiceContext) -> tuple[str, str, str]:
    school = Records(ctx, "schools").create(SCHOOL).id
    operator = Records(ctx, "operators").create({"name": "Thimble Travel (DEMO)", "licence_no": "DEMO-1"}).id
    route = Records(ctx, "routes").create({"code": "demo001", "operator_id": operator, "school_ids": [school],
                                           "vehicle_type": "wav"}).id
    return school, operator, route


def test_create_validates_stamps_and_audits(ctx: ServiceContext) -> None:
    view = Records(ctx, "schools").create(SCHOOL)
    assert view.data["postcode"] == "ZZ9 1AB"
    assert view.title == "Fictional Heron Primary (DEMO)"
    row = sync_row(ctx, "schools", view.id)
    assert generation(row.rev) == 1
    assert row.rev_history == []
    assert row.updated_by == "Test Officer"
    assert row.origin_device == ctx.device_id
    assert row.dirty is True
    assert row.deleted is False
    (entry,) = audit(ctx)
    assert (entry.action, entry.entity, entry.record_id, entry.officer, entry.device) == (
        "create", "schools", view.id, "Test Officer", ctx.device_id)
    assert entry.fields == ["name", "phase", "postcode", "urn"]


def test_update_changes_revision_and_audits_changed_field_names_only(ctx: ServiceContext) -> None:
    records = Records(ctx, "schools")
    first = records.create(SCHOOL)
    second = records.update(first.id, {**SCHOOL, "name": "Fictional Kestrel Primary (DEMO)"}, expected_rev=first.rev)
    assert second.rev != first.rev
    assert generation(second.rev) == 2
    assert sync_row(ctx, "schools", first.id).rev_history == [first.rev]
    entry = audit(ctx)[-1]
    assert (entry.action, entry.fields) == ("update", ["name"])
    assert "Kestrel" not in entry.detail  # the log holds field names, never values
    assert records.get(first.id).data["name"] == "Fictional Kestrel Primary (DEMO)"


def test_update_with_no_change_keeps_revision_and_writes_no_audit(ctx: ServiceContext) -> None:
    records = Records(ctx, "schools")
    first = records.create(SCHOOL)
    again = records.update(first.id, dict(SCHOOL))
    assert again.rev == first.rev
    assert len(audit(ctx)) == 1


def test_update_of_a_stale_revision_is_refused(ctx: ServiceContext) -> None:
    records = Records(ctx, "schools")
    first = records.create(SCHOOL)
    records.update(first.id, {**SCHOOL, "name": "Fictional Lantern Primary (DEMO)"})
    with pytest.raises(RecordLocked):
        records.update(first.id, {**SCHOOL, "name": "Fictional Beacon Primary (DEMO)"}, expected_rev=first.rev)
    assert records.get(first.id).data["name"] == "Fictional Lantern Primary (DEMO)"


def test_delete_leaves_a_tombstone_with_a_new_revision(ctx: ServiceContext) -> None:
    records = Records(ctx, "schools")
    first = records.create(SCHOOL)
    gone = records.delete(first.id)
    assert gone.deleted is True
    assert gone.rev != first.rev
    with pytest.raises(NotFound):
        records.get(first.id)
    assert records.get(first.id, include_deleted=True).data["urn"] == 900101
    assert records.count() == 0
    assert audit(ctx)[-1].action == "delete"
    with pytest.raises(NotFound):
        records.delete(first.id)


def test_invalid_data_names_each_field_in_plain_english(ctx: ServiceContext) -> None:
    with pytest.raises(ValidationFailed) as info:
        Records(ctx, "schools").create({**SCHOOL, "urn": "12", "postcode": "BRIGHTON"})
    assert info.value.errors == {"urn": "must be at least 100000",
                                 "postcode": "is not a UK postcode (for example BN1 1AA)"}
    assert audit(ctx) == []


def test_natural_key_is_unique_among_live_records_only(ctx: ServiceContext) -> None:
    records = Records(ctx, "schools")
    first = records.create(SCHOOL)
    with pytest.raises(ValidationFailed) as info:
        records.create({**SCHOOL, "name": "Fictional Copy (DEMO)"})
    assert info.value.errors == {"urn": "another school already has 900101"}
    records.delete(first.id)
    assert records.create({**SCHOOL, "name": "Fictional Copy (DEMO)"}).data["urn"] == 900101


def test_references_must_exist_and_be_live(ctx: ServiceContext) -> None:
    school, operator, _route = make_route(ctx)
    missing = "7f1c0d1e-0000-4000-8000-0000000000ff"
    with pytest.raises(ValidationFailed) as info:
        Records(ctx, "routes").create({"code": "DEMO002", "operator_id": missing, "school_ids": [school],
                                       "vehicle_type": "car"})
    assert info.value.errors == {"operator_id": f"no operator with id {missing}"}
    Records(ctx, "operators").delete(operator)
    with pytest.raises(ValidationFailed, match="no operator"):
        Records(ctx, "routes").create({"code": "DEMO003", "operator_id": operator, "school_ids": [school],
                                       "vehicle_type": "car"})


def test_list_pages_and_searches(ctx: ServiceContext) -> None:
    records = Records(ctx, "schools")
    for n in range(7):
        records.create({**SCHOOL, "urn": 900200 + n, "name": f"Fictional School {n} (DEMO)"})
    records.create({**SCHOOL, "urn": 900300, "name": "Fictional Orchard Special School (DEMO)"})
    first = records.list(limit=3)
    assert first.total == 8
    assert [r["name"] for r in first.rows] == ["Fictional Orchard Special School (DEMO)",
                                               "Fictional School 0 (DEMO)", "Fictional School 1 (DEMO)"]
    last = records.list(offset=6, limit=3)
    assert [r["urn"] for r in last.rows] == [900205, 900206]
    found = records.list("orchard")
    assert (found.total, found.rows[0]["urn"]) == (1, 900300)
    assert records.list("zz9 1ab").total == 8  # postcode is a search field too
    assert records.list(filters={"urn": 900203}).rows[0]["name"] == "Fictional School 3 (DEMO)"


def test_list_shows_the_title_of_a_linked_record_not_its_id(ctx: ServiceContext) -> None:
    _school, operator, route = make_route(ctx)
    [row] = Records(ctx, "routes").list().rows
    assert (row["id"], row["operator_id"]) == (route, "Thimble Travel (DEMO)")
    Records(ctx, "operators").delete(operator, expected_rev=None)  # a deleted operator still reads by name
    assert Records(ctx, "routes").list().rows[0]["operator_id"] == "Thimble Travel (DEMO)"
    dangling = "7f1c0d1e-0000-4000-8000-0000000000aa"  # a link to a record this device does not hold
    rows = [{"operator_id": dangling, "vehicle_type": "car"}, {"operator_id": operator, "vehicle_type": "wav"}]
    with ctx.read() as session:
        _show_links(session, entity("routes"), rows)
    assert [r["operator_id"] for r in rows] == [dangling, "Thimble Travel (DEMO)"]


def test_validate_without_writing(ctx: ServiceContext) -> None:
    records = Records(ctx, "schools")
    clean = records.validate(SCHOOL)
    assert clean["postcode"] == "ZZ9 1AB"
    assert records.count() == 0
