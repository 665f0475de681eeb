"""The incident list (home): rows, keys, paging by window, filter, toggles, sort, live refresh."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from incident_tui import models as m
from incident_tui.backends.sqlite.bulk import BulkIncident
from incident_tui.backends.sqlite.timeutil import fmt
from incident_tui.errors import Unimplemented
from incident_tui.ui.screens.home import HomeScreen
from incident_tui.ui.widgets.incident_list import (
    PAGE_SIZE,
    PREFETCH_SCREENS,
    IncidentList,
    IncidentRow,
    PageCache,
)

from .conftest import FIXED_NOW, STORE_EPOCH, TickingClock, open_store, seed_incidents
from .incident_support import press, screen_text, settle, type_text, typing_paused, wait_for


class CountingBackend:
    """Passes every call through; counts list requests (previews or full incidents) and
    the list's rows."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.queries: list[m.QueryIncidentsRequest | m.QueryIncidentPreviewsRequest] = []
        self.rows_returned = 0
        self.full_pages = 0
        self.preview_pages = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def query_incidents(self, request: m.QueryIncidentsRequest) -> m.QueryIncidentsResponse:
        self.queries.append(request)
        response = await self._inner.query_incidents(request)
        if request.query.order_field:  # the list's own requests, not the header counts
            self.rows_returned += len(response.incidents)
            self.full_pages += 1
        return response

    async def query_incident_previews(
        self, request: m.QueryIncidentPreviewsRequest
    ) -> m.QueryIncidentPreviewsResponse:
        self.queries.append(request)
        response = await self._inner.query_incident_previews(request)
        self.rows_returned += len(response.incident_previews)
        self.preview_pages += 1
        return response


class NoPreviews(CountingBackend):
    """A remote that does not serve previews: declared (``capabilities``) or found out
    (``Unimplemented`` on the first call, as an older Grafana stack answers)."""

    def __init__(self, inner: Any, *, declared: bool) -> None:
        super().__init__(inner)
        self.declared = declared

    @property
    def capabilities(self) -> Any:
        caps = self._inner.capabilities
        if not self.declared:
            return caps
        return dataclasses.replace(caps, methods=caps.methods - {"query_incident_previews"})

    async def query_incident_previews(
        self, request: m.QueryIncidentPreviewsRequest
    ) -> m.QueryIncidentPreviewsResponse:
        self.preview_pages += 1
        raise Unimplemented("Grafana Incident does not offer QueryIncidentPreviews")


def home(app: Any) -> HomeScreen:
    screen = app.screen
    assert isinstance(screen, HomeScreen)
    return screen


def listed_ids(app: Any) -> list[str]:
    lst = app.screen.query_one(IncidentList)
    return [lst.cache.row(i).incident_id for i in range(lst.count)]


async def bulk_store(tmp_path, count: int):
    backend = open_store(tmp_path / "bulk.db")
    await backend.open()
    await backend.bulk_insert(
        [
            BulkIncident(
                title=f"Bulk incident {i:05d}",
                created_at=fmt(STORE_EPOCH - timedelta(minutes=i)),
                created_by="alice",
                severity=("critical", "major", "minor", "pending")[i % 4],
                status="active" if i % 3 else "resolved",
                closed_at="" if i % 3 else fmt(STORE_EPOCH),
            )
            for i in range(count)
        ],
        users=[m.UserPreview(user_id="alice", name="Alice Example")],
    )
    return backend


async def test_rows_show_reference_severity_status_drill_commander_age_and_tasks(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(pilot)
        row1 = next(line for line in text.splitlines() if "#1 " in line)
        assert "▲ crit" in row1 and "ACTIVE" in row1 and "Checkout API" in row1
        assert "Alice" in row1 and "1/2" in row1 and "5h" in row1  # age against FIXED_NOW
        drill = next(line for line in text.splitlines() if "#4 " in line)
        assert " D " in drill and "○ pend" in drill
        resolved = next(line for line in text.splitlines() if "#5 " in line)
        assert "RESOLVED" in resolved
        # header: context, active non-drill counts by severity, list size
        header = text.splitlines()[0]
        assert "local" in header and "▲1" in header and "◆1" in header and "●1" in header
        assert "○0" in header and "5 incidents" in header


async def test_the_list_reads_light_previews_where_they_are_served(make_app, store):
    counting = CountingBackend(store)
    app = make_app(counting)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert counting.preview_pages == 1 and counting.full_pages == 0
        row1 = next(line for line in screen_text(pilot).splitlines() if "#1 " in line)
        assert "Checkout API" in row1 and "Alice" in row1 and "1/2" in row1


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "found-out"])
async def test_the_list_falls_back_to_full_incidents_without_previews(make_app, store, declared):
    backend = NoPreviews(store, declared=declared)
    app = make_app(backend)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(pilot)
        row1 = next(line for line in text.splitlines() if "#1 " in line)
        assert "Checkout API" in row1 and "Alice" in row1 and "1/2" in row1
        assert backend.full_pages == 1
        assert backend.preview_pages == (0 if declared else 1)
        await press(pilot, "ctrl+r")  # found out once: not asked again
        await settle(pilot)
        assert backend.preview_pages == (0 if declared else 1)
        assert backend.full_pages == 2


async def test_wide_terminal_shows_labels_and_long_severity(make_app):
    app = make_app()
    async with app.run_test(size=(150, 30)) as pilot:
        await settle(pilot)
        row1 = next(line for line in screen_text(pilot).splitlines() if "#1 " in line)
        assert "▲ SEV1 critical" in row1 and "api,payments" in row1
        assert "active 1 critical" in screen_text(pilot).splitlines()[0].replace("▲ ", "")


async def test_cursor_keys_move_and_enter_opens_the_incident(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = app.screen.query_one(IncidentList)
        assert lst.highlighted.incident_id == "5"  # newest first
        await press(pilot, "j", "j")
        assert lst.highlighted.incident_id == "3"
        await press(pilot, "k")
        assert lst.highlighted.incident_id == "4"
        await press(pilot, "G")
        assert lst.highlighted.incident_id == "1"
        await press(pilot, "g")
        assert lst.cursor == 0
        await press(pilot, "down", "down", "enter")
        from incident_tui.ui.screens.incident import IncidentScreen

        assert isinstance(app.screen, IncidentScreen)
        assert app.screen.incident_id == "3"
        await press(pilot, "escape")
        assert isinstance(app.screen, HomeScreen)
        assert app.screen.query_one(IncidentList).highlighted.incident_id == "3"


async def test_hundred_thousand_style_paging_fetches_windows_not_everything(tmp_path, make_app):
    backend = await bulk_store(tmp_path, 1000)
    counting = CountingBackend(backend)
    app = make_app(counting)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            lst = app.screen.query_one(IncidentList)
            assert lst.count == PAGE_SIZE and lst.has_more
            assert f"{PAGE_SIZE}+ incidents" in screen_text(pilot).splitlines()[0]
            list_queries = [q for q in counting.queries if q.query.order_field]
            assert len(list_queries) == 1 and list_queries[0].query.limit == PAGE_SIZE
            for _ in range(4):  # page down past the first window
                await press(pilot, "pagedown")
            assert lst.cursor == 4 * lst.scrollable_content_region.height
            await press(pilot, "G")
            await press(pilot, "G")
            # only as many pages as the cursor reached plus the screens fetched ahead of
            # it (page downs never wait), never all 1000 rows
            assert PAGE_SIZE < lst.count < 1000
            ahead = PREFETCH_SCREENS * lst.size.height
            assert counting.rows_returned <= lst.cursor + ahead + 2 * PAGE_SIZE
            # cursor-based continuation: every later request carried the previous cursor
            later = [q for q in counting.queries if q.query.order_field][1:]
            assert later and all(q.cursor.next_value for q in later)
            row = lst.highlighted
            assert row is not None and row.title.startswith("Bulk incident")
    finally:
        await backend.close()


def _rows(start: int, count: int) -> list[IncidentRow]:
    return [
        IncidentRow(str(i), "minor", "active", False, f"t{i}", (), "", "", "", "", 0, 0, 0)
        for i in range(start, start + count)
    ]


def test_page_cache_evicts_old_pages_and_knows_how_to_refetch_them():
    cache = PageCache(page_size=10, max_pages=2)
    assert cache.pages_needed(0, 5) == [0]
    cache.put(0, _rows(0, 10), m.Cursor(next_value="c1", has_more=True))
    cache.put(1, _rows(10, 10), m.Cursor(next_value="c2", has_more=True))
    cache.put(2, _rows(20, 10), m.Cursor(next_value="c3", has_more=True))
    assert cache.loaded_count == 30
    assert cache.row(0) is None  # evicted (LRU), its position still known
    assert cache.row(25).incident_id == "25"
    assert cache.pages_needed(0, 5) == [0]
    assert cache.starts[1].next_value == "c1"  # page 1 is refetched from here
    assert cache.pages_needed(28, 35) == [3]  # the next page, after the known ones
    # a refetch of page 0 that comes back different invalidates everything after it
    cache.put(0, _rows(100, 10), m.Cursor(next_value="other", has_more=True))
    assert cache.loaded_count == 10 and cache.starts[1].next_value == "other"
    # the last page: no more to load
    cache.put(1, _rows(110, 3), m.Cursor(next_value="", has_more=False))
    assert not cache.has_more and cache.loaded_count == 13
    assert cache.pages_needed(0, 50) == []  # both pages cached, nothing beyond


async def test_filter_line_applies_the_query_syntax(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "slash")
        await type_text(pilot, "label:db")
        await settle(pilot)
        assert listed_ids(app) == ["2"]
        assert "filtered" in screen_text(pilot).splitlines()[0]
        await press(pilot, "enter")  # back to the list, filter kept
        assert app.screen.query_one(IncidentList).has_focus
        await press(pilot, "escape")  # clears the filter
        assert len(listed_ids(app)) == 5


async def test_malformed_filter_shows_the_backend_message_inline_and_keeps_text(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "a")  # a toggle adds a prefix: the column must still be ours
        await press(pilot, "slash")
        await type_text(pilot, "sevrity:major")
        await typing_paused(pilot)
        screen = home(app)
        text = screen_text(pilot)
        assert "col 1: unknown key 'sevrity'" in text
        assert screen.query_one("#filter-input").value == "sevrity:major"
        await pilot.press("backspace", *["backspace"] * 12)
        await type_text(pilot, "severity:major")
        await settle(pilot)
        assert listed_ids(app) == ["2"]
        assert "unknown key" not in screen_text(pilot)


async def test_active_only_and_drill_toggles(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "a")
        assert sorted(listed_ids(app)) == ["1", "2", "3", "4"]
        await press(pilot, "d")  # drills hidden
        assert sorted(listed_ids(app)) == ["1", "2", "3"]
        assert "drills hidden" in screen_text(pilot).splitlines()[0]
        await press(pilot, "d")  # drills only
        assert listed_ids(app) == ["4"]
        await press(pilot, "a")  # all statuses, still drills only
        assert listed_ids(app) == ["4"]
        await press(pilot, "d")  # shown again
        assert len(listed_ids(app)) == 5


async def test_sort_cycles_columns_and_flips_direction(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert listed_ids(app)[0] == "5"
        await press(pilot, "s")  # updated
        await press(pilot, "s")  # severity, most severe first
        assert home(app).sort_field == "severity"
        assert listed_ids(app)[0] == "1"
        assert "SEV▼" in screen_text(pilot).splitlines()[1]
        await press(pilot, "s")  # title A-Z
        titles = [app.screen.query_one(IncidentList).cache.row(i).title for i in range(5)]
        assert titles == sorted(titles)
        await press(pilot, "S")
        titles = [app.screen.query_one(IncidentList).cache.row(i).title for i in range(5)]
        assert titles == sorted(titles, reverse=True)


async def test_live_refresh_shows_another_consoles_change_and_keeps_the_cursor(
    tmp_path, make_app, store
):
    later = TickingClock(STORE_EPOCH + timedelta(hours=1))  # after everything in ``store``
    other = open_store(store._store.path, m.UserPreview(user_id="bob", name="Bob"), clock=later)
    app = make_app()
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await press(pilot, "j", "j")
            lst = app.screen.query_one(IncidentList)
            assert lst.highlighted.incident_id == "3"
            await app._poll_once()  # baseline version
            created = await other.create_incident(
                m.CreateIncidentRequest(title="Declared in the other console", severity="major")
            )
            await other.update_title(
                m.UpdateTitleRequest(incident_id="3", title="Login slow (renamed)")
            )
            await app._poll_once()
            await settle(pilot)
            assert listed_ids(app)[0] == created.incident.incident_id
            assert lst.highlighted.incident_id == "3"  # same incident, not same row number
            assert "Login slow (renamed)" in screen_text(pilot)
            assert "6 incidents" in screen_text(pilot).splitlines()[0]
    finally:
        await other.close()


async def test_one_small_request_per_idle_poll(make_app, store):
    counting = CountingBackend(store)
    calls = {"version": 0}
    original = store.get_homescreen_version

    async def version(request=None):
        calls["version"] += 1
        return await original(request)

    counting.get_homescreen_version = version
    app = make_app(counting)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app._poll_once()  # the first poll: the baseline version (and the alerts' first look)
        await settle(pilot)
        before = len(counting.queries)
        for _ in range(3):
            await app._poll_once()
        await settle(pilot)
        assert calls["version"] == 4
        assert len(counting.queries) == before  # nothing changed: no list re-read, no alert look


@pytest.mark.parametrize("readonly", [False, True])
async def test_declare_key_follows_read_only(make_app, readonly):
    app = make_app(readonly=readonly)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        footer = screen_text(pilot).splitlines()[-1]
        await press(pilot, "n")
        from incident_tui.ui.screens.declare import DeclareDialog

        assert isinstance(app.screen, DeclareDialog) is (not readonly)
        assert ("Declare" in footer) is (not readonly)
        if readonly:
            assert "READ-ONLY" in screen_text(pilot).splitlines()[0]


class SlowBackend(CountingBackend):
    """The real store, answering list queries only when released (a slow link)."""

    def __init__(self, inner: Any) -> None:
        super().__init__(inner)
        self.release = asyncio.Event()
        self.fail_with: Exception | None = None

    async def query_incidents(self, request: m.QueryIncidentsRequest) -> m.QueryIncidentsResponse:
        await self.release.wait()
        if self.fail_with is not None:
            raise self.fail_with
        return await super().query_incidents(request)

    async def query_incident_previews(
        self, request: m.QueryIncidentPreviewsRequest
    ) -> m.QueryIncidentPreviewsResponse:
        await self.release.wait()
        if self.fail_with is not None:
            raise self.fail_with
        return await super().query_incident_previews(request)


async def test_a_slow_backend_shows_a_spinner_and_loading_not_a_frozen_screen(make_app, store):
    from incident_tui.ui.screens.base import BusyIndicator

    slow = SlowBackend(store)
    app = make_app(slow)
    async with app.run_test(size=(80, 24)) as pilot:
        spinner = app.screen.query_one(BusyIndicator)
        await wait_for(lambda: not spinner.has_class("-idle"), what="the spinner")
        await pilot.pause()
        assert "Loading incidents…" in screen_text(pilot)
        await pilot.press("question_mark")  # keys still work while waiting
        await wait_for(lambda: not isinstance(app.screen, HomeScreen), what="the help screen")
        await pilot.press("escape")
        await wait_for(lambda: isinstance(app.screen, HomeScreen), what="the list again")
        assert not slow.release.is_set() and not listed_ids(app)  # still waiting
        slow.release.set()
        await settle(pilot)
        assert spinner.has_class("-idle")
        assert len(listed_ids(app)) == 5


async def test_a_failing_backend_shows_its_message_and_keeps_the_list(make_app, store):
    from incident_tui.errors import Unavailable

    flaky = SlowBackend(store)
    flaky.release.set()
    app = make_app(flaky)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert len(listed_ids(app)) == 5
        flaky.fail_with = Unavailable("the store is busy [bold]try again[/]")
        await press(pilot, "ctrl+r")
        from textual.widgets._toast import Toast

        shown = " ".join(str(t.render()) for t in app.screen.query(Toast))
        assert "the store is busy [bold]try again[/]" in shown
        assert len(listed_ids(app)) == 5 and app.is_running


async def test_ctrl_r_rereads_and_ctrl_q_quits(make_app, store):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await store.update_title(m.UpdateTitleRequest(incident_id="2", title="Renamed elsewhere"))
        assert "Renamed elsewhere" not in screen_text(pilot)  # no poll in tests (60 s)
        await press(pilot, "ctrl+r")
        assert "Renamed elsewhere" in screen_text(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_live_refresh_deep_in_a_long_list_keeps_the_cursor_on_its_incident(
    tmp_path, make_app
):
    """Row 820 of 2 000: a refresh re-reads the pages around the cursor (not the first ten
    pages, which clamped the cursor to row 499), and new incidents at the top do not move it."""
    backend = await bulk_store(tmp_path, 2000)
    counting = CountingBackend(backend)
    other = open_store(
        tmp_path / "bulk.db",
        m.UserPreview(user_id="bob", name="Bob"),
        clock=TickingClock(STORE_EPOCH + timedelta(hours=1)),
    )
    app = make_app(counting)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            lst = app.screen.query_one(IncidentList)
            while lst.count <= 820:
                await press(pilot, "G")
            lst.cursor = 820
            await settle(pilot)
            target = lst.highlighted
            assert target is not None
            line_before = lst.cursor - lst.scroll_offset.y
            await app._poll_once()  # baseline version
            await other.create_incident(m.CreateIncidentRequest(title="Declared elsewhere"))
            await other.update_title(
                m.UpdateTitleRequest(incident_id=target.incident_id, title="Renamed elsewhere")
            )
            before = len(counting.queries)
            await app._poll_once()
            await settle(pilot)
            assert lst.highlighted.incident_id == target.incident_id
            assert lst.cursor == 820 and lst.cursor - lst.scroll_offset.y == line_before
            cursor_line = next(
                line for line in screen_text(pilot).splitlines() if line.startswith("▶")
            )
            assert f"#{target.incident_id} " in cursor_line and "Renamed elsewhere" in cursor_line
            reads = [q for q in counting.queries[before:] if q.query.order_field]
            assert 1 <= len(reads) <= 4  # the pages around the cursor and the top one
            assert lst.count > 820
            await press(pilot, "g")  # the top is read again and shows the new incident
            assert lst.highlighted.title == "Declared elsewhere"
    finally:
        await other.close()
        await backend.close()


@pytest.fixture
async def timed_store(tmp_path):
    """The five incidents declared two minutes before FIXED_NOW, then given times:
    #1 runs since 12:00 yesterday; #3 ran 02:50-03:10 today; #5 ran 21:00-22:00
    yesterday; #2 and #4 run since they were declared."""
    backend = open_store(
        tmp_path / "timed.db", clock=TickingClock(FIXED_NOW - timedelta(minutes=2))
    )
    await seed_incidents(backend)

    async def event(incident_id: str, kind: str, at: str) -> None:
        await backend.update_incident_event_time(
            m.UpdateIncidentEventTimeRequest(
                incident_id=incident_id, event_time=at, activity_item_kind=kind
            )
        )

    await event("1", "incidentStart", "2026-11-24T12:00:00Z")
    await backend.update_status(m.UpdateStatusRequest(incident_id="3", status="resolved"))
    await event("3", "incidentStart", "2026-11-25T02:50:00Z")
    await event("3", "incidentEnd", "2026-11-25T03:10:00Z")
    await event("5", "incidentStart", "2026-11-24T21:00:00Z")
    await event("5", "incidentEnd", "2026-11-24T22:00:00Z")
    yield backend
    await backend.close()


async def test_time_column_is_the_age_while_active_and_the_resolved_at_time_once_resolved(
    make_app, timed_store
):
    app = make_app(timed_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = screen_text(pilot).splitlines()
        assert "TIME" in lines[1] and "AGE" not in lines[1]
        row = {ref: next(line for line in lines if f"#{ref} " in line).rstrip() for ref in "12345"}
        assert row["1"].split()[-2] == "15h30m"  # age since its start, against FIXED_NOW
        assert row["3"].endswith(" 03:10     —")  # resolved today (UTC): when
        assert row["5"].endswith("Nov 24     —")  # resolved yesterday: not how long


async def test_sorting_by_time_and_duration_orders_the_column_shown(make_app, timed_store):
    app = make_app(timed_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "TITLE · declared▼" in screen_text(pilot).splitlines()[1]
        for _ in range(5):
            await press(pilot, "s")
        header = screen_text(pilot).splitlines()[1]
        assert "TIME▼" in header and "declared" not in header
        # the latest moment first: started (active) or resolved (resolved)
        assert listed_ids(app) == ["4", "2", "3", "5", "1"]
        await press(pilot, "S")
        assert "TIME▲" in screen_text(pilot).splitlines()[1]
        assert listed_ids(app) == ["1", "5", "3", "2", "4"]
        await press(pilot, "s")  # duration, longest first; the DUR column shows at 80
        lines = screen_text(pilot).splitlines()
        assert "DUR▼" in lines[1]
        assert listed_ids(app) == ["1", "5", "3", "2", "4"]
        shown = [next(line for line in lines if f"#{ref} " in line).split()[-1] for ref in "153"]
        assert shown == ["15h30m", "1h00m", "20m"]
        await press(pilot, "S")
        assert listed_ids(app) == ["4", "2", "3", "5", "1"]


async def test_with_a_scrollbar_the_header_lines_up_with_the_values(tmp_path, make_app):
    backend = await bulk_store(tmp_path, 300)
    app = make_app(backend)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            lst = app.screen.query_one(IncidentList)
            assert lst.scrollable_content_region.width == 79  # the scrollbar takes one
            lines = screen_text(pilot).splitlines()
            header, first = lines[1], lines[2]
            assert header.index("STATUS") == first.index("RESOLVED")
            assert header.index("TITLE") == first.index("Bulk")
            assert header.index("TIME") + len("TIME") == first.index("Nov 24") + len("Nov 24")
            assert header.index("TASKS") + len("TASKS") == 79 and first[78] == "—"
    finally:
        await backend.close()


async def test_at_40x10_the_time_keeps_its_last_character(make_app, store):
    app = make_app()
    async with app.run_test(size=(40, 10)) as pilot:
        await settle(pilot)
        for line in screen_text(pilot).splitlines()[2:7]:
            assert line.rstrip().endswith("m") or line.rstrip().endswith("24"), line


async def filtered_to_login(pilot: Any) -> None:
    """The filter line open with "Login" typed: one incident (#3) listed."""
    await settle(pilot)
    await press(pilot, "slash")
    await type_text(pilot, "Login")
    await settle(pilot)
    assert listed_ids(pilot.app) == ["3"]


async def test_an_invalid_filter_shows_nothing_rather_than_its_last_valid_prefix(make_app):
    """``status:bogus`` used to keep showing the results for the bare word ``status``,
    marked "filtered"."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await filtered_to_login(pilot)
        await type_text(pilot, " status:bogus")
        await typing_paused(pilot)
        text = screen_text(pilot)
        assert listed_ids(app) == []
        assert "Login page slow" not in text
        assert "The filter is not valid" in text and "status" in text.splitlines()[-2]
        header = text.splitlines()[0]
        assert "filter not valid: nothing shown" in header and "filtered" not in header
        await pilot.press(*["backspace"] * len("bogus"))
        await type_text(pilot, "active")
        await settle(pilot)
        assert listed_ids(app) == ["3"]
        assert "filtered" in screen_text(pilot).splitlines()[0]


async def test_a_filter_being_typed_is_called_invalid_when_typing_pauses_or_on_enter(
    make_app, monkeypatch
):
    """On the way to ``status:active`` the filter is invalid at ``status:`` and ``status:a``:
    while keys come, the rows of the last valid text stay and no error flashes (each one
    would re-lay out the screen); the verdict comes once typing pauses, or at once on
    enter."""
    from incident_tui.ui.screens import home as home_module

    monkeypatch.setattr(home_module, "INVALID_PAUSE", 120.0)  # no pause ends in this test
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await filtered_to_login(pilot)
        await type_text(pilot, " status:bog")
        await settle(pilot)
        screen = home(app)
        assert screen._invalid_later is not None  # the verdict waits for a pause
        text = screen_text(pilot)
        assert "not valid" not in text and "unknown" not in text
        # The answer for the last valid text ("Login status": the word is on no incident).
        assert "No incidents match" in text
        await pilot.press("enter")  # typing is over: judged at once
        await settle(pilot)
        text = screen_text(pilot)
        assert listed_ids(app) == [] and "The filter is not valid" in text
        assert "filter not valid: nothing shown" in text.splitlines()[0]
        await press(pilot, "slash")  # back to the field (its text selected): to its end
        await pilot.press("end", *["backspace"] * len("bog"))
        await type_text(pilot, "active")
        await settle(pilot)  # valid again while typing: the rows come back at once
        assert listed_ids(app) == ["3"], (screen.filter_text, screen_text(pilot))
        assert "not valid" not in screen_text(pilot)


async def test_a_failure_of_a_replaced_query_says_nothing_about_the_filter_shown(make_app):
    """ "status:activ" fails; "e" makes it "status:active" before the failure reaches the
    screen: that late failure must not call the valid filter invalid (nor empty its list)."""
    from incident_tui.errors import InvalidArgument

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await home(app).set_filter("status:active")
        await settle(pilot)
        screen, lst = home(app), app.screen.query_one(IncidentList)
        shown = listed_ids(app)
        assert shown
        late = IncidentList.LoadFailed(InvalidArgument("bad status"), True, lst.generation - 1)
        screen._on_load_failed(late)
        await settle(pilot)
        assert screen._invalid_later is None and not screen._filter_invalid
        assert listed_ids(app) == shown
        current = IncidentList.LoadFailed(InvalidArgument("bad status"), True, lst.generation)
        screen._on_load_failed(current)  # its own failure is said (set, not typed: at once)
        await settle(pilot)
        assert screen._filter_invalid and listed_ids(app) == []


@pytest.mark.parametrize("readonly", [False, True])
async def test_an_empty_store_says_how_to_declare(make_app, empty_store, readonly):
    app = make_app(empty_store, readonly=readonly)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(pilot)
        if readonly:
            assert "No incidents yet (read-only: declaring is off here)." in text
        else:
            assert "No incidents yet: press n to declare one." in text
        assert "0 incidents" in text.splitlines()[0]
        await press(pilot, "a")
        assert "No incidents match: esc clears the filter" in screen_text(pilot)


@pytest.mark.parametrize("mode", ["line", "jump"])
async def test_scroll_jump_brings_half_a_screen_into_view_past_the_edge(tmp_path, make_app, mode):
    """``scroll = "jump"``: moving row by row past the bottom (or top) edge scrolls by half a
    screen, so the list is repainted once per half screen instead of at every row; "line"
    (the default) scrolls by one."""
    from incident_tui.config import Config

    backend = await bulk_store(tmp_path, 300)
    app = make_app(backend, config=Config(scroll=mode))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = app.screen.query_one(IncidentList)
        height = lst.scrollable_content_region.height
        tops = set()
        for _ in range(height + 20):
            await pilot.press("j")
            tops.add(lst.scroll_offset.y)
        await settle(pilot)
        assert lst.cursor == height + 20
        assert lst.scroll_offset.y <= lst.cursor < lst.scroll_offset.y + height
        if mode == "jump":
            assert len(tops) <= 3  # 0, then half a screen at a time: 21 rows -> steps of 10
            assert lst.cursor - lst.scroll_offset.y < height - 1  # room below the cursor
        else:
            assert len(tops) == 22  # 0, then one more row each time past the edge
        for _ in range(lst.cursor - lst.scroll_offset.y + 1):  # just past the top edge
            await pilot.press("k")
        if mode == "jump":
            assert lst.cursor - lst.scroll_offset.y >= height // 2 - 1
        else:
            assert lst.cursor == lst.scroll_offset.y


def test_scroll_mode_is_checked_in_the_config(tmp_path):
    from incident_tui.config import ConfigError, load_config

    path = tmp_path / "config.toml"
    path.write_text('scroll = "jump"\n')
    assert load_config(path).scroll == "jump"
    path.write_text('scroll = "smooth"\n')
    with pytest.raises(ConfigError, match="scroll must be one of line, jump"):
        load_config(path)
