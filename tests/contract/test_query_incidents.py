"""QueryIncidents: order, paging, every IncidentsQuery field and every query-string form."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from incident_tui import models as m
from incident_tui.backends.base import Backend
from incident_tui.errors import InvalidArgument

from .conftest import ALICE, BOB
from .helpers import all_incidents, declare, ids, query_page, when

pytestmark = pytest.mark.asyncio


# --- order and paging -------------------------------------------------------------


@pytest.mark.needs("create_incident", "query_incidents")
async def test_newest_first_by_default(backend: Backend):
    made = [(await declare(backend, f"incident {n}")).incident_id for n in range(4)]
    assert await ids(backend) == list(reversed(made))
    assert await ids(backend, order_direction="DESC") == list(reversed(made))


@pytest.mark.needs("create_incident", "query_incidents", ascending=True)
async def test_oldest_first_when_asked(backend: Backend):
    made = [(await declare(backend, f"incident {n}")).incident_id for n in range(4)]
    assert await ids(backend, order_direction="ASC") == made


@pytest.mark.needs("query_incidents")
async def test_bad_order_direction_is_refused(backend: Backend):
    with pytest.raises(InvalidArgument):
        await query_page(backend, order_direction="UP")


@pytest.mark.needs("create_incident", "query_incidents")
@pytest.mark.parametrize(
    "direction", [pytest.param("ASC", marks=pytest.mark.needs(ascending=True)), "DESC"]
)
async def test_incident_pages_have_no_gaps_or_repeats(backend: Backend, direction: str):
    made = [(await declare(backend, f"incident {n}")).incident_id for n in range(13)]
    paged = await ids(backend, limit=4, order_direction=direction)
    expected = made if direction == "ASC" else list(reversed(made))
    assert paged == expected


@pytest.mark.needs("create_incident", "query_incidents", ascending=True)
async def test_page_size_cursor_and_echoed_query(backend: Backend):
    for n in range(5):
        await declare(backend, f"incident {n}")
    first = await query_page(backend, limit=3, order_direction="ASC")
    assert len(first.incidents) == 3
    assert first.cursor.has_more is True and first.cursor.next_value
    assert first.query.limit == 3
    assert first.query.order_direction == "ASC"
    second = await query_page(backend, first.cursor, limit=3, order_direction="ASC")
    assert len(second.incidents) == 2
    assert second.cursor.has_more is False


@pytest.mark.needs("create_incident", "query_incidents")
async def test_exact_last_page_says_no_more(backend: Backend):
    for n in range(4):
        await declare(backend, f"incident {n}")
    first = await query_page(backend, limit=2)
    second = await query_page(backend, first.cursor, limit=2)
    assert len(second.incidents) == 2
    assert second.cursor.has_more is False


@pytest.mark.needs("query_incidents")
async def test_empty_store_gives_an_empty_last_page(backend: Backend):
    response = await query_page(backend)
    assert response.incidents == []
    assert response.cursor.has_more is False


@pytest.mark.needs("create_incident", "query_incidents")
async def test_limit_zero_means_fifty(backend: Backend):
    for n in range(51):
        await declare(backend, f"incident {n}")
    first = await query_page(backend)
    assert len(first.incidents) == 50
    assert first.cursor.has_more is True
    assert first.query.limit in (0, 50)
    second = await query_page(backend, first.cursor)
    assert len(second.incidents) == 1


@pytest.mark.needs("query_incidents")
async def test_negative_limit_is_refused(backend: Backend):
    with pytest.raises(InvalidArgument):
        await query_page(backend, limit=-5)


@pytest.mark.needs("create_incident", "query_incidents")
async def test_incidents_declared_between_pages_cause_no_gaps_or_repeats(backend: Backend):
    made = [(await declare(backend, f"incident {n}")).incident_id for n in range(6)]
    first = await query_page(backend, limit=2)
    newcomer = (await declare(backend, "newcomer")).incident_id
    seen = [i.incident_id for i in first.incidents]
    cursor = first.cursor
    while cursor.has_more:
        response = await query_page(backend, cursor, limit=2)
        seen.extend(i.incident_id for i in response.incidents)
        cursor = response.cursor
    # Newest first: the newcomer sorts before the pages already read, so it is not repeated
    # and nothing older is skipped.
    assert seen == list(reversed(made))
    assert newcomer not in seen


@pytest.mark.needs("create_incident", "query_incidents", "update_title")
async def test_incident_changed_between_pages_is_not_repeated(backend: Backend):
    made = [(await declare(backend, f"incident {n}")).incident_id for n in range(6)]
    first = await query_page(backend, limit=3)
    await backend.update_title(m.UpdateTitleRequest(incident_id=made[5], title="edited"))
    second = await query_page(backend, first.cursor, limit=3)
    seen = [i.incident_id for i in first.incidents + second.incidents]
    assert seen == list(reversed(made))


@pytest.mark.needs("create_incident", "query_incidents")
@pytest.mark.parametrize(
    "value", ["garbage", "eyJub3QiOiAiYSBjdXJzb3IifQ==", "%%%", "1;DROP TABLE incidents"]
)
async def test_bad_incident_cursor_is_refused(backend: Backend, value: str):
    await declare(backend)
    with pytest.raises(InvalidArgument):
        await query_page(backend, m.Cursor(next_value=value, has_more=True))


@pytest.mark.needs("add_task", "create_incident", "query_incidents")
async def test_listed_incidents_are_complete(backend: Backend):
    incident = await declare(
        backend, "Full", severity="major", labels=[m.IncidentLabel(label="db")]
    )
    await backend.add_task(m.AddTaskRequest(incident_id=incident.incident_id, text="t"))
    listed = (await all_incidents(backend))[0]
    assert listed.incident_id == incident.incident_id
    assert listed.title == "Full" and listed.severity == "major"
    assert [label.label for label in listed.labels] == ["db"]
    assert listed.created_by_user.user_id == ALICE.user_id
    assert listed.task_list.todo_count == 1
    assert type(listed.duration_seconds) is int


# --- IncidentsQuery fields -----------------------------------------------------------


@pytest.fixture
async def world(backend: Backend, other: Backend) -> dict[str, str]:
    """Five incidents that differ in every filterable way; name -> incidentID."""
    made: dict[str, str] = {}

    async def make(name: str, by: Backend = backend, **fields) -> str:
        made[name] = (await declare(by, name, **fields)).incident_id
        return made[name]

    await make(
        "cpu spike on db-1",
        severity="critical",
        labels=[m.IncidentLabel(label="db"), m.IncidentLabel(label="env:prod")],
    )
    await make(
        "checkout outage", by=other, severity="major", labels=[m.IncidentLabel(label="payments")]
    )
    await make(
        "failover rehearsal",
        severity="pending",
        is_drill=True,
        labels=[m.IncidentLabel(label="db")],
    )
    await make("crème brûlée shortage", severity="minor", status="resolved")
    await make("login errors", by=other, severity="critical")
    await backend.update_status(
        m.UpdateStatusRequest(incident_id=made["checkout outage"], status="resolved")
    )
    await backend.add_activity(
        m.AddActivityRequest(
            incident_id=made["checkout outage"],
            activity_kind="userNote",
            body="card processor timeouts",
        )
    )
    await backend.add_activity(
        m.AddActivityRequest(
            incident_id=made["login errors"],
            activity_kind="userNote",
            body="SSO certificate expired",
        )
    )
    await backend.assign_role(
        m.AssignRoleRequest(
            incident_id=made["cpu spike on db-1"], user_id=ALICE.user_id, role="commander"
        )
    )
    await backend.assign_role(
        m.AssignRoleRequest(incident_id=made["login errors"], user_id=BOB.user_id, role="commander")
    )
    await backend.assign_role(
        m.AssignRoleRequest(
            incident_id=made["checkout outage"], user_id=ALICE.user_id, role="investigator"
        )
    )
    return made


async def names(backend: Backend, world: dict[str, str], **query) -> set[str]:
    by_id = {v: k for k, v in world.items()}
    return {by_id[i] for i in await ids(backend, **query)}


ALL = {
    "cpu spike on db-1",
    "checkout outage",
    "failover rehearsal",
    "crème brûlée shortage",
    "login errors",
}


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "query_incidents", "update_status"
)
async def test_include_statuses(backend: Backend, world: dict[str, str]):
    assert await names(backend, world, include_statuses=["resolved"]) == {
        "checkout outage",
        "crème brûlée shortage",
    }
    assert await names(backend, world, include_statuses=["active", "resolved"]) == ALL


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "query_incidents", "update_status"
)
async def test_exclude_statuses(backend: Backend, world: dict[str, str]):
    assert await names(backend, world, exclude_statuses=["resolved"]) == {
        "cpu spike on db-1",
        "failover rehearsal",
        "login errors",
    }


@pytest.mark.needs("query_incidents")
@pytest.mark.parametrize("field", ["include_statuses", "exclude_statuses"])
async def test_bad_status_filter_is_refused(backend: Backend, field: str):
    with pytest.raises(InvalidArgument):
        await query_page(backend, **{field: ["open"]})


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "query_incidents", "update_status"
)
async def test_severity_filter(backend: Backend, world: dict[str, str]):
    assert await names(backend, world, severity="critical") == {"cpu spike on db-1", "login errors"}
    assert await names(backend, world, severity="pending") == {"failover rehearsal"}


@pytest.mark.needs("query_incidents")
async def test_bad_severity_filter_is_refused(backend: Backend):
    with pytest.raises(InvalidArgument):
        await query_page(backend, severity="sev0")


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "query_incidents", "update_status"
)
async def test_incident_labels_filter(backend: Backend, world: dict[str, str]):
    assert await names(backend, world, incident_labels=["db"]) == {
        "cpu spike on db-1",
        "failover rehearsal",
    }
    assert await names(backend, world, incident_labels=["env:prod"]) == {"cpu spike on db-1"}
    assert await names(backend, world, incident_labels=["nothing-has-this"]) == set()
    both = await names(backend, world, incident_labels=["db", "env:prod"])
    assert "cpu spike on db-1" in both and "login errors" not in both


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "query_incidents", "update_status"
)
async def test_only_drills(backend: Backend, world: dict[str, str]):
    assert await names(backend, world, only_drills=True) == {"failover rehearsal"}
    assert await names(backend, world, only_drills=False) == ALL


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "query_incidents", "update_status"
)
async def test_date_from_and_date_to_filter_on_created_time(
    backend: Backend, world: dict[str, str]
):
    listed = await all_incidents(backend, order_direction="ASC")
    times = {i.title: when(i.created_time) for i in listed}
    middle = times["failover rehearsal"]
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ"
    after = await names(backend, world, date_from=middle.strftime(fmt))
    assert "failover rehearsal" in after and "cpu spike on db-1" not in after
    before = await names(backend, world, date_to=middle.strftime(fmt))
    assert "cpu spike on db-1" in before and "login errors" not in before
    assert (
        await names(backend, world, date_from=(middle + timedelta(days=1)).strftime(fmt)) == set()
    )
    assert await names(backend, world, date_to="2000-01-01T00:00:00Z") == set()
    assert (
        await names(
            backend, world, date_from="2000-01-01T00:00:00Z", date_to="2999-01-01T00:00:00Z"
        )
        == ALL
    )


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "query_incidents", "update_status"
)
async def test_dates_before_year_1000_compare_as_times(backend: Backend, world: dict[str, str]):
    # Stored times must stay fixed-width (0999-..., not 999-...) or text order breaks.
    assert await names(backend, world, date_from="0999-01-01T00:00:00Z") == ALL
    assert await names(backend, world, date_to="0999-01-01T00:00:00Z") == set()


@pytest.mark.needs("query_incidents")
@pytest.mark.parametrize("field", ["date_from", "date_to"])
async def test_bad_date_filter_is_refused(backend: Backend, field: str):
    with pytest.raises(InvalidArgument):
        await query_page(backend, **{field: "next week"})


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "query_incidents", "update_status"
)
async def test_filters_combine(backend: Backend, world: dict[str, str]):
    assert await names(
        backend, world, include_statuses=["active"], severity="critical", incident_labels=["db"]
    ) == {"cpu spike on db-1"}


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "query_incidents", "update_status"
)
async def test_filters_apply_on_every_page(backend: Backend, world: dict[str, str]):
    paged = await ids(backend, limit=1, exclude_statuses=["resolved"], order_direction="ASC")
    assert [i for i in paged] == [
        world["cpu spike on db-1"],
        world["failover rehearsal"],
        world["login errors"],
    ]


# --- queryString ---------------------------------------------------------------------


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "query_incidents", "update_status"
)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("status:active", {"cpu spike on db-1", "failover rehearsal", "login errors"}),
        ("status:resolved", {"checkout outage", "crème brûlée shortage"}),
        ("-status:resolved", {"cpu spike on db-1", "failover rehearsal", "login errors"}),
        ("severity:critical", {"cpu spike on db-1", "login errors"}),
        ("severity:CRITICAL status:active", {"cpu spike on db-1", "login errors"}),
        ("isdrill:true", {"failover rehearsal"}),
        ("isdrill:false", ALL - {"failover rehearsal"}),
        ("label:db", {"cpu spike on db-1", "failover rehearsal"}),
        ("label:env:prod", {"cpu spike on db-1"}),
        ("-label:db", {"checkout outage", "crème brûlée shortage", "login errors"}),
        ("any(label:payments label:env:prod)", {"checkout outage", "cpu spike on db-1"}),
        ("-any(label:payments label:db)", {"crème brûlée shortage", "login errors"}),
        ("isdrill:false any(label:security label:db)", {"cpu spike on db-1"}),
        ("title:'CPU spike'", {"cpu spike on db-1"}),
        ("title:out", {"checkout outage"}),
        ("createdby:bob", {"checkout outage", "login errors"}),
        ("createdby:Alice", {"cpu spike on db-1", "failover rehearsal", "crème brûlée shortage"}),
        ("role:commander", {"cpu spike on db-1", "login errors"}),
        ("role:commander:bob", {"login errors"}),
        ("role:investigator:alice", {"checkout outage"}),
        ("-role:commander", {"checkout outage", "failover rehearsal", "crème brûlée shortage"}),
        ("declared:>-1d", ALL),
        ("declared:<-1d", set()),
        ("declared:2000-01-01..2999-01-01", ALL),
        ("declared:2000-01-01,2999-01-01", ALL),
        ("resolved:>-1h", {"checkout outage", "crème brûlée shortage"}),
        ("-resolved:>-1h", {"cpu spike on db-1", "failover rehearsal", "login errors"}),
        ("ended:<2999-01-01", {"checkout outage", "crème brûlée shortage"}),
        (
            "started:>2000-01-01 status:active",
            {"cpu spike on db-1", "failover rehearsal", "login errors"},
        ),
        ("outage", {"checkout outage"}),
        ("timeouts", {"checkout outage"}),  # timeline text is searched too
        ("'card processor'", {"checkout outage"}),
        ("'card\x00processor'", {"checkout outage"}),
        ("'processor card'", set()),
        ("certificate", {"login errors"}),
        ("creme", {"crème brûlée shortage"}),
        ("rehears", {"failover rehearsal"}),  # the last word typed matches as a prefix
        ("-outage", ALL - {"checkout outage"}),
        ("any(outage certificate)", {"checkout outage", "login errors"}),
        ('"say ""OR"" NEAR(" AND', set()),
        (
            "status:active severity:critical isdrill:false label:db title:'cpu'",
            {"cpu spike on db-1"},
        ),
        ("", ALL),
    ],
)
async def test_query_string_forms(
    backend: Backend, world: dict[str, str], text: str, expected: set[str]
):
    assert await names(backend, world, query_string=text) == expected


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "query_incidents", "update_status"
)
async def test_query_string_overrides_the_other_filters(backend: Backend, world: dict[str, str]):
    # The reference: "If provided, the query will be filtered by the query string and
    # the other query parameters will be ignored."
    got = await names(
        backend,
        world,
        query_string="status:active",
        include_statuses=["resolved"],
        severity="minor",
    )
    assert got == {"cpu spike on db-1", "failover rehearsal", "login errors"}


@pytest.mark.needs(
    "add_activity", "assign_role", "create_incident", "query_incidents", "update_status"
)
async def test_query_string_results_page_without_gaps(backend: Backend, world: dict[str, str]):
    whole = await ids(backend, query_string="-label:payments")
    paged = await ids(backend, query_string="-label:payments", limit=1)
    assert paged == whole and len(whole) == 4


@pytest.mark.needs("add_activity", "create_incident", "query_incidents", "remove_activity")
async def test_removed_note_no_longer_matches_text_search(backend: Backend):
    incident = await declare(backend, "quiet")
    iid = incident.incident_id
    item = (
        await backend.add_activity(
            m.AddActivityRequest(incident_id=iid, activity_kind="userNote", body="zebra")
        )
    ).activity_item
    assert await ids(backend, query_string="zebra") == [iid]
    await backend.remove_activity(
        m.RemoveActivityRequest(incident_id=iid, activity_item_id=item.activity_item_id)
    )
    assert await ids(backend, query_string="zebra") == []


@pytest.mark.needs(
    "add_activity", "create_incident", "query_incidents", "update_activity_body", "update_title"
)
async def test_edited_note_and_title_are_searched_by_their_new_text(backend: Backend):
    incident = await declare(backend, "aardvark")
    iid = incident.incident_id
    item = (
        await backend.add_activity(
            m.AddActivityRequest(incident_id=iid, activity_kind="userNote", body="zebra")
        )
    ).activity_item
    await backend.update_activity_body(
        m.UpdateActivityBodyRequest(
            incident_id=iid, activity_item_id=item.activity_item_id, body="giraffe"
        )
    )
    await backend.update_title(m.UpdateTitleRequest(incident_id=iid, title="okapi"))
    assert await ids(backend, query_string="zebra ") == []
    assert await ids(backend, query_string="aardvark ") == []
    assert await ids(backend, query_string="giraffe okapi") == [iid]


@pytest.mark.needs("query_incidents")
@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("sevrity:critical", 1),
        ("status:active sevrity:critical", 15),
        ("status:open", 8),
        ("severity:sev1", 10),
        ("isdrill:maybe", 9),
        ("any(label:a", 1),
        ("label:a)", 8),
        ("title:'cpu", 7),
        ("declared:>2026-13-01", 11),
        ("declared:yesterday", 10),
    ],
)
async def test_malformed_query_string_names_the_column(backend: Backend, text: str, column: int):
    with pytest.raises(InvalidArgument) as info:
        await query_page(backend, query_string=text)
    assert re.search(rf"\bcol {column}\b", str(info.value)), str(info.value)


# --- orderField (our extension; Grafana ignores it) -------------------------------------


@pytest.mark.needs("create_incident", "query_incidents", sort="severity")
async def test_order_by_severity_pages_through_ties(backend: Backend):
    made: dict[str, list[str]] = {}
    for n, severity in enumerate(
        ["minor", "critical", "pending", "major", "critical", "minor", "major"]
    ):
        made.setdefault(severity, []).append(
            (await declare(backend, f"incident {n}", severity=severity)).incident_id
        )
    listed = await all_incidents(backend, order_field="severity", order_direction="DESC", limit=2)
    assert [i.severity for i in listed] == [
        "critical",
        "critical",
        "major",
        "major",
        "minor",
        "minor",
        "pending",
    ]
    assert len({i.incident_id for i in listed}) == 7
    ascending = await all_incidents(backend, order_field="severity", order_direction="ASC", limit=3)
    assert [i.incident_id for i in ascending] == [i.incident_id for i in reversed(listed)]


@pytest.mark.needs("create_incident", "query_incidents", sort="title", ascending=True)
async def test_order_by_title_ignores_case(backend: Backend):
    for title in ["bravo", "Alpha", "charlie", "alpha two"]:
        await declare(backend, title)
    listed = await all_incidents(backend, order_field="title", order_direction="ASC", limit=3)
    assert [i.title for i in listed] == ["Alpha", "alpha two", "bravo", "charlie"]


@pytest.mark.needs("create_incident", "query_incidents", "update_severity", sort="modifiedTime")
async def test_order_by_modified_time_puts_the_latest_change_first(backend: Backend):
    made = [(await declare(backend, f"incident {n}")).incident_id for n in range(3)]
    await backend.update_severity(m.UpdateSeverityRequest(incident_id=made[0], severity="major"))
    listed = await ids(backend, order_field="modifiedTime", order_direction="DESC", limit=2)
    assert listed == [made[0], made[2], made[1]]


async def _timed(backend: Backend, title: str, start: str, end: str = "") -> str:
    """An incident that started at ``start`` (and, with ``end``, was resolved then)."""
    incident_id = (await declare(backend, title)).incident_id
    if end:
        await backend.update_status(
            m.UpdateStatusRequest(incident_id=incident_id, status="resolved")
        )
    for kind, moment in (("incidentStart", start), ("incidentEnd", end)):
        if moment:
            await backend.update_incident_event_time(
                m.UpdateIncidentEventTimeRequest(
                    incident_id=incident_id, event_time=moment, activity_item_kind=kind
                )
            )
    return incident_id


@pytest.mark.needs(
    "create_incident",
    "update_status",
    "update_incident_event_time",
    "query_incidents",
    sort="statusTime",
)
async def test_order_by_status_time_is_the_start_while_active_and_the_end_once_resolved(
    backend: Backend,
):
    made = {
        "a": await _timed(backend, "active since 01:00", "2026-11-20T01:00:00Z"),
        "r": await _timed(
            backend, "resolved 03:00", "2026-11-10T00:00:00Z", "2026-11-20T03:00:00Z"
        ),
        "b": await _timed(backend, "active since 02:00", "2026-11-20T02:00:00Z"),
        "s": await _timed(
            backend, "resolved 00:30", "2026-11-20T00:10:00Z", "2026-11-20T00:30:00Z"
        ),
    }
    listed = await ids(backend, order_field="statusTime", order_direction="DESC", limit=1)
    assert listed == [made["r"], made["b"], made["a"], made["s"]]
    ascending = await ids(backend, order_field="statusTime", order_direction="ASC", limit=3)
    assert ascending == list(reversed(listed))


@pytest.mark.needs(
    "create_incident",
    "update_status",
    "update_incident_event_time",
    "query_incidents",
    sort="duration",
)
async def test_order_by_duration_counts_a_running_incident_up_to_now(backend: Backend):
    now = datetime.now(UTC)
    iso = lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ")  # noqa: E731
    made = {
        "long-resolved": await _timed(
            backend, "lasted 3 days", iso(now - timedelta(days=30)), iso(now - timedelta(days=27))
        ),
        "running-2h": await _timed(backend, "running 2 h", iso(now - timedelta(hours=2))),
        "short-resolved": await _timed(
            backend,
            "lasted 10 min",
            iso(now - timedelta(hours=5)),
            iso(now - timedelta(hours=4, minutes=50)),
        ),
        "running-4d": await _timed(backend, "running 4 days", iso(now - timedelta(days=4))),
    }
    listed = await all_incidents(backend, order_field="duration", order_direction="DESC", limit=1)
    assert [i.incident_id for i in listed] == [
        made["running-4d"],
        made["long-resolved"],
        made["running-2h"],
        made["short-resolved"],
    ]
    durations = [i.duration_seconds for i in listed]
    assert durations == sorted(durations, reverse=True)
    ascending = await ids(backend, order_field="duration", order_direction="ASC", limit=3)
    assert ascending == [i.incident_id for i in reversed(listed)]


@pytest.mark.needs("query_incidents")
async def test_bad_order_field_is_refused(backend: Backend):
    with pytest.raises(InvalidArgument):
        await query_page(backend, order_field="colour")


@pytest.mark.needs("create_incident", "query_incidents", ascending=True)
async def test_cursor_from_another_ordering_is_refused(backend: Backend):
    for n in range(3):
        await declare(backend, f"incident {n}")
    first = await query_page(backend, limit=1, order_direction="DESC")
    with pytest.raises(InvalidArgument):
        await query_page(backend, first.cursor, limit=1, order_direction="ASC")
    with pytest.raises(InvalidArgument):
        await query_page(backend, first.cursor, limit=1, order_field="title")
