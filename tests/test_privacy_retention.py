"""Retention rules (domain/retention.py): table-driven, mirroring domain.md §6 and the README's table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from htst_tui.domain import retention as R
from htst_tui.entities import ENTITIES
from htst_tui.services.context import ServiceContext, open_context
from htst_tui.services.demo import build_demo
from htst_tui.services.purge import held_records
from htst_tui.services.records import validate_data
from htst_tui.settings import RetentionSettings, Settings

S = RetentionSettings()
REFS = {e.name: e.references for e in ENTITIES}
AT = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("dob", "year_group", "as_of", "year_13", "left"), [
    (dt.date(2010, 10, 5), None, None, False, dt.date(2027, 8, 31)),  # born Sep-Aug: year 11 ends at +17
    (dt.date(2011, 8, 31), None, None, False, dt.date(2027, 8, 31)),  # same school year as above
    (dt.date(2011, 9, 1), None, None, False, dt.date(2028, 8, 31)),
    (dt.date(2010, 10, 5), None, None, True, dt.date(2029, 8, 31)),  # EHCP / post-16: end of year 13
    (None, 12, dt.date(2025, 10, 1), False, dt.date(2027, 8, 31)),  # year 12 in 2025/26: year 13 ends 2027
    (dt.date(2010, 10, 5), 9, dt.date(2025, 10, 1), False, dt.date(2028, 8, 31)),  # kept back: the later wins
    (None, None, None, False, None),
])
def test_leaving_date(dob: dt.date | None, year_group: int | None, as_of: dt.date | None, year_13: bool,
                      left: dt.date | None) -> None:
    assert R.leaving_date(dob, year_group=year_group, as_of=as_of, stays_to_year_13=year_13) == left


def test_every_synced_kind_has_a_rule_and_an_erasure() -> None:
    names = {e.name for e in ENTITIES}
    assert set(R.RULES) == names
    assert set(R.ERASE) == names
    assert set(R.FOLLOWS) <= names


def pupil(pid: str, dob: str, **extra: object) -> R.Held:
    return R.Held("pupils", pid, {"la_reference": f"R{pid}", "date_of_birth": dob, "ehcp": False,
                                  **extra}, updated_at=AT)


def case(cid: str, pupil_id: str, outcome: str, finalised: str, *, reviewed: bool = False
         ) -> list[R.Held]:
    rows = [R.Held("panel_cases", cid, {"pupil_id": pupil_id, "pupil_ref": "", "application_type": "new",
                                         "relevant_date": finalised, "meeting_id": "m1"}),
            R.Held("panel_decisions", f"d-{cid}", {"case_id": cid, "outcome": outcome,
                                                    "finalised_at": f"{finalised}T12:00:00+00:00"}),
            R.Held("panel_dissents", f"x-{cid}", {"decision_id": f"d-{cid}", "member_id": "pm1"})]
    if reviewed:
        rows.append(R.Held("panel_reviews", f"r-{cid}", {"case_id": cid, "stage": 1}))
    return rows


def incident(iid: str, pupils: list[str], category: str = "behaviour", occurred: str = "2026-01-05") -> R.Held:
    return R.Held("incidents", iid, {"pupil_ids": pupils, "category": category, "notifications": [],
                                     "occurred_at": f"{occurred}T08:00:00+00:00"})


def world(*rows: R.Held | list[R.Held]) -> dict[str, list[R.Held]]:
    out: dict[str, list[R.Held]] = {e.name: [] for e in ENTITIES}
    out["panel_meetings"].append(R.Held("panel_meetings", "m1", {"meeting_date": "2026-01-05"}))
    for r in rows:
        for h in r if isinstance(r, list) else [r]:
            out[h.kind].append(h)
    return out


def due_ids(records: dict[str, list[R.Held]], today: dt.date, settings: RetentionSettings = S) -> set[str]:
    return {d.id for d in R.review(records, REFS, settings, today).due}


def test_refusal_goes_after_refusals_years_with_its_decision_and_dissent() -> None:
    records = world(pupil("p1", "2015-03-01"), case("c1", "p1", "not_eligible", "2026-01-05"))
    assert due_ids(records, dt.date(2028, 1, 4)) == set()
    assert due_ids(records, dt.date(2028, 1, 5)) == {"c1", "d-c1", "x-c1"}  # the pupil is still at school


def test_award_and_challenged_refusal_stay_until_the_pupil_leaves_plus_a_year() -> None:
    records = world(pupil("p1", "2015-03-01"), case("c1", "p1", "eligible", "2026-01-05"),
                    case("c2", "p1", "not_eligible", "2026-01-05", reviewed=True))
    left = dt.date(2031, 8, 31)  # born 2015-03 -> year 11 ends summer 2031
    assert due_ids(records, dt.date(2032, 8, 30)) == set()
    assert due_ids(records, R.add_years(left, 1)) >= {"c1", "d-c1", "c2", "d-c2", "r-c2", "p1"}


def test_pupil_past_leaving_is_kept_while_a_kept_record_names_them() -> None:
    records = world(pupil("p1", "2008-03-01"), incident("i1", ["p1"], occurred="2026-01-05"))
    # left summer 2024: due on its own, but the incident (6 years) still names them
    review = R.review(records, REFS, S, dt.date(2027, 1, 1))
    assert {d.id for d in review.due} == set()
    assert review.kept_by_reference == 1
    assert due_ids(records, dt.date(2032, 1, 5)) == {"i1", "p1", "m1"}  # m1: the empty meeting, 6 years


def test_safeguarding_runs_from_the_youngest_childs_birth() -> None:
    records = world(pupil("p1", "2012-05-01"), pupil("p2", "2014-05-01"),
                    incident("i1", ["p1", "p2"], category="safeguarding"))
    assert "i1" not in due_ids(records, dt.date(2064, 4, 30))
    assert "i1" in due_ids(records, dt.date(2064, 5, 1))


def test_deleted_record_is_erased_after_the_grace_days_and_erased_ones_are_left_alone() -> None:
    gone = R.Held("incidents", "i9", {**incident("i9", []).data}, deleted=True, updated_at=AT)
    records = world(gone)
    assert due_ids(records, AT.date() + dt.timedelta(days=29)) == set()
    assert due_ids(records, AT.date() + dt.timedelta(days=30)) == {"i9"}
    erased = R.Held("incidents", "i9", R.erase("incidents", gone.data), deleted=True, updated_at=AT)
    assert "i9" not in due_ids(world(erased), dt.date(2090, 1, 1))


def test_follow_up_goes_with_its_incident_and_meeting_waits_for_its_cases() -> None:
    fu = R.Held("follow_ups", "f1", {"source_kind": "incident", "source_id": "i1", "due_date": "2026-01-20"})
    records = world(pupil("p1", "2015-03-01"), incident("i1", []), fu, case("c1", "p1", "eligible", "2026-01-05"))
    due = due_ids(records, dt.date(2032, 1, 6))
    assert {"i1", "f1"} <= due
    assert "m1" not in due  # meeting period passed, but its case (award) is kept until the pupil leaves


def test_shorter_settings_make_records_due_sooner() -> None:
    records = world(incident("i1", []))
    assert due_ids(records, dt.date(2027, 1, 6)) == set()
    assert due_ids(records, dt.date(2027, 1, 6), RetentionSettings(incidents_years=1)) == {"i1"}


@pytest.fixture(scope="module")
def demo_ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceContext]:
    path: Path = tmp_path_factory.mktemp("retention") / "demo.db"
    ctx = open_context(path, officer="Test Officer", settings=Settings())
    build_demo(ctx, pupils=30, seed=7)
    yield ctx
    ctx.close()


@pytest.mark.parametrize("ent", ENTITIES, ids=lambda e: e.name)
def test_erasure_keeps_every_kind_valid_and_is_recognised_after_storage(demo_ctx: ServiceContext, ent) -> None:  # type: ignore[no-untyped-def]
    with demo_ctx.read() as session:
        held = held_records(session)[ent.name]
    assert held, f"the demo makes {ent.name}"
    for record in held[:20]:
        stored = validate_data(ent, R.erase(ent.name, record.data))  # what a purge writes
        assert R.erase(ent.name, stored) == stored
        assert R.is_erased(R.Held(ent.name, record.id, stored, deleted=True))
        assert not R.is_erased(R.Held(ent.name, record.id, stored, deleted=False))
    with_content = [r for r in held if R.erase(ent.name, r.data) != r.data]
    if ent.personal:
        assert with_content, f"demo {ent.name} hold personal fields"
    for record in with_content[:5]:  # a plain tombstone that still holds personal content is not erased
        assert not R.is_erased(R.Held(ent.name, record.id, record.data, deleted=True))
