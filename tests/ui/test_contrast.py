"""Every theme is readable: each text cell of the list and of every incident tab, rendered
at 80x24, has a WCAG contrast of at least 4.5:1 with its background.

Rendered three ways per theme: as a 256-colour terminal gets it (Rich's down-conversion,
colours as the xterm-256 table defines them), as a 16-colour terminal gets it
(``TERM=screen``, tmux's default; the colours as xterm's default 16-colour palette shows
them: other terminals' palettes differ a little), and with ``NO_COLOR=1``. Cells are
read from the compositor (after Textual's filters), so what is checked is what is drawn.
"""

from __future__ import annotations

from typing import Any

import pytest
from rich._palettes import EIGHT_BIT_PALETTE
from rich.color import Color, ColorSystem, ColorType
from textual.geometry import Region
from textual.screen import ModalScreen

from incident_tui.ui.themes import (
    MIN_CONTRAST,
    XTERM_16,
    ThemeFileError,
    contrast,
    contrast_problems,
    load_specs,
    parse_theme,
    theme_names,
)

from .incident_support import press, settle

RGB = tuple[int, int, int]

#: mode -> (environment, colours the cells are checked in)
MODES: dict[str, tuple[dict[str, str], tuple[int, ...]]] = {
    "256": ({"COLORTERM": "truecolor"}, (1 << 24, 256)),
    "16": ({"COLORTERM": "", "TERM": "screen"}, (16,)),
    "no-color": ({"COLORTERM": "truecolor", "NO_COLOR": "1"}, (1 << 24, 256)),
}


def shown(color: Color | None, colours: int) -> RGB | None:
    """The RGB a terminal of ``colours`` colours shows for a cell colour (None: its default)."""
    if color is None or color.type == ColorType.DEFAULT:
        return None
    if colours > 256:
        return tuple(color.get_truecolor())  # type: ignore[return-value]
    if colours == 256:
        down = color.downgrade(ColorSystem.EIGHT_BIT)
        if down.type == ColorType.EIGHT_BIT:
            return tuple(EIGHT_BIT_PALETTE[down.number])  # type: ignore[return-value]
        if down.type == ColorType.STANDARD:
            return XTERM_16[down.number]
        return tuple(down.get_truecolor())  # type: ignore[return-value]
    down = color.downgrade(ColorSystem.STANDARD)
    return XTERM_16[down.number]


def is_text(char: str) -> bool:
    """A character that is read (box drawing and block elements are lines and bars)."""
    return bool(char.strip()) and not ("\u2500" <= char <= "\u259f")


def unreadable_cells(app: Any, colours: int, where: str) -> list[str]:
    """Each text cell on screen (inside the dialog, for a modal) under MIN_CONTRAST."""
    screen = app.screen
    region: Region | None = None
    if isinstance(screen, ModalScreen):
        region = screen.children[0].region  # what is behind a dialog is dimmed on purpose
    problems: list[str] = []
    for y, strip in enumerate(screen._compositor.render_strips()):
        x = 0
        for text, style, _ in strip:
            for char in text:
                if is_text(char) and (region is None or region.contains(x, y)):
                    fg = shown(style.color if style else None, colours)
                    bg = shown(style.bgcolor if style else None, colours)
                    if style is not None and style.reverse:
                        fg, bg = bg, fg
                    if fg is None or bg is None:
                        problems.append(f"{where} ({x},{y}) {char!r}: terminal default colour")
                    else:
                        if style is not None and style.dim:  # faint: about half-way
                            fg = tuple((f + b) // 2 for f, b in zip(fg, bg, strict=True))  # type: ignore[assignment]
                        ratio = contrast(fg, bg)
                        if ratio < MIN_CONTRAST:
                            problems.append(
                                f"{where} ({x},{y}) {char!r}: {ratio:.2f} ({fg} on {bg})"
                            )
                x += 1
    return problems


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("theme", theme_names())
async def test_every_text_cell_is_readable_in_every_theme(make_app, monkeypatch, theme, mode):
    environment, checked_in = MODES[mode]
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TEXTUAL_COLOR_SYSTEM", raising=False)
    app = make_app(theme=theme)
    assert app.terminal_colours == (16 if mode == "16" else 1 << 24)
    problems: list[str] = []
    cells = 0

    def check(where: str) -> None:
        nonlocal cells
        for colours in checked_in:
            problems.extend(unreadable_cells(app, colours, where))
        cells += sum(
            1
            for strip in app.screen._compositor.render_strips()
            for ch in strip.text
            if is_text(ch)
        )

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == theme
        await press(pilot, "j")  # the cursor row on a resolved incident's neighbour
        check("list")
        app.open_incident("1")
        await settle(pilot)
        for key, tab in (("1", "overview"), ("2", "timeline"), ("3", "tasks"), ("4", "roles")):
            await press(pilot, key)
            if tab != "overview":
                await press(pilot, "j")  # the cursor on a row with coloured parts
            check(tab)
        await press(pilot, "1", "R")
        check("resolve dialog")
        await press(pilot, "escape", "escape", "n")
        check("declare dialog")
    assert cells > 1000, "nothing was checked"
    assert not problems, f"{len(problems)} unreadable cells, e.g.:\n" + "\n".join(problems[:12])


@pytest.mark.parametrize("colours", [16, 256, 1 << 24])
def test_every_theme_pair_meets_wcag_text_contrast(colours):
    """The pairs each theme produces (text colours on each background, cursor, header,
    buttons), in the colours a terminal of that depth shows."""
    problems = [p for spec in load_specs().values() for p in contrast_problems(spec, colours)]
    assert not problems, "\n".join(problems)


def test_the_16_colour_cursor_is_not_white_on_cyan():
    dark = load_specs()["incident-dark"]
    cursor, text = dark.ansi["cursor"], dark.ansi["cursor-text"]
    from incident_tui.ui.themes import shown_rgb

    assert contrast(shown_rgb(text, 16), shown_rgb(cursor, 16)) >= MIN_CONTRAST


def test_a_theme_file_names_every_semantic_colour_once():
    base = (load_specs()["incident-dark"], "incident-dark")
    assert base[0].colors["text"].startswith("#")
    good = "\n".join(
        [
            'name = "t"',
            "[colors]",
            *(f'{k} = "#000000"' for k in base[0].colors),
            "[ansi]",
            *(f'{k} = "black"' for k in base[0].ansi),
        ]
    )
    assert parse_theme(good, "t.toml").name == "t"
    with pytest.raises(ThemeFileError, match="lacks 'muted'"):
        parse_theme(good.replace('muted = "#000000"\n', ""), "t.toml")
    with pytest.raises(ThemeFileError, match="ANSI colour name"):
        parse_theme(good.replace('muted = "black"', 'muted = "grey"'), "t.toml")
    with pytest.raises(ThemeFileError, match="unknown colour 'muteed'"):
        parse_theme(good.replace("[ansi]", 'muteed = "#000000"\n[ansi]'), "t.toml")
    with pytest.raises(ThemeFileError, match="unknown theme setting 'primary'"):
        parse_theme('primary = "#fff"\n' + good, "t.toml")
