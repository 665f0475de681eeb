"""The incident list hands the compositor its kept row strips (IncidentList._render_plain)
instead of Textual's per-line copy: what reaches the screen must be the same, cell by cell
and style by style, in every theme, without colour, narrow and wide, scrolled and cropped."""

from __future__ import annotations

from typing import Any

import pytest
from textual.geometry import Region
from textual.strip import Strip

from incident_tui.ui.widgets.incident_list import IncidentList

from .incident_support import settle


def cells(strips: list[Strip]) -> list[list[tuple[str, Any]]]:
    return [[(ch, seg.style) for seg in strip for ch in seg.text] for strip in strips]


def first_difference(a: list[Strip], b: list[Strip]) -> str:
    for y, (line_a, line_b) in enumerate(zip(cells(a), cells(b), strict=True)):
        if line_a != line_b:
            for x, (ca, cb) in enumerate(zip(line_a, line_b, strict=False)):
                if ca != cb:
                    return f"line {y} cell {x}: {ca!r} != {cb!r}"
            return f"line {y}: {len(line_a)} cells != {len(line_b)}"
    return ""


def both(lst: IncidentList, crop: Region) -> tuple[list[Strip], list[Strip]]:
    ours = lst.render_lines(crop)
    lst._frame = lst._frame_facts()
    try:
        textuals = super(IncidentList, lst).render_lines(crop)
    finally:
        lst._frame = None
    return ours, textuals


@pytest.mark.parametrize(
    ("size", "theme", "no_color"),
    [
        ((80, 24), "incident-dark", False),
        ((200, 60), "incident-light", False),
        ((40, 10), "incident-high-contrast", False),
        ((80, 24), "incident-dark", True),
    ],
)
async def test_the_lists_lines_are_textuals_own(make_app, monkeypatch, size, theme, no_color):
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(theme=theme)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        lst = app.screen.query_one(IncidentList)
        assert lst._plain_box()
        width, height = lst.size
        for crop in (
            Region(0, 0, width, height),  # all of it
            Region(0, 1, width, 2),  # two lines
            Region(3, 0, max(width - 10, 1), height),  # cut at both sides
        ):
            ours, textuals = both(lst, crop)
            assert len(ours) == len(textuals) == crop.height
            assert not first_difference(ours, textuals), (crop, first_difference(ours, textuals))
        await pilot.press("j", "j")
        await settle(pilot)
        ours, textuals = both(lst, Region(0, 0, width, height))
        assert not first_difference(ours, textuals)  # the cursor row (one run) too


async def test_a_kept_row_is_the_same_strip_frame_after_frame(make_app):
    """The point of the plain path: nothing is copied, so the strips' own caches (the
    terminal filters' results) carry over from one frame to the next."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = app.screen.query_one(IncidentList)
        crop = Region(0, 1, lst.size.width, 3)
        first = lst.render_lines(crop)
        again = lst.render_lines(crop)
        assert all(a is b for a, b in zip(first, again, strict=True))
