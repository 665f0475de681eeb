"""A night-long session does not grow: what an opened incident holds is freed on close."""

from __future__ import annotations

import gc
import os
from collections import Counter

import pytest
from textual.dom import DOMNode

from incident_tui import models as m

from .incident_support import settle


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _live_nodes() -> Counter[str]:
    gc.collect()
    return Counter(type(o).__name__ for o in gc.get_objects() if isinstance(o, DOMNode))


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs /proc for RSS")
async def test_opening_and_closing_200_incidents_gives_the_memory_back(make_app, store):
    ids = [
        i.incident_id
        for i in (
            await store.query_incidents(m.QueryIncidentsRequest(query=m.IncidentsQuery(limit=10)))
        ).incidents
    ]
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        nodes_after_20 = Counter[str]()
        rss_after_20 = 0.0
        for n in range(200):
            app.open_incident(ids[n % len(ids)])
            await settle(pilot, rounds=1)
            await pilot.press("escape")
            await settle(pilot, rounds=1)
            if n == 19:
                nodes_after_20, rss_after_20 = _live_nodes(), _rss_mib()
        nodes_after_200, rss_after_200 = _live_nodes(), _rss_mib()
    grown = {k: v for k, v in (nodes_after_200 - nodes_after_20).items() if v}
    assert grown == {}, f"widgets kept alive after closing their incident: {grown}"
    # Was ~0.4 MiB per incident (every replaced footer key stayed alive): 70 MiB here.
    assert rss_after_200 - rss_after_20 < 8, (rss_after_20, rss_after_200)
