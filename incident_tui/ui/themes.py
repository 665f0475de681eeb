"""The console's colour themes: a small set of semantic colours per theme, checked for contrast.

Each ``themes/*.toml`` file names the colours by what they are for (``text``, ``muted``,
``cursor``, ``critical``...) twice: ``[colors]`` for 256-colour and true-colour
terminals (exact xterm-256 entries), and ``[ansi]`` for 16-colour terminals (``TERM=screen``,
``TERM=xterm``), by ANSI colour name. Every Textual variable the console's widgets use
is derived from them here (nothing is left to Textual's "auto" colours, which were
drawn white on light backgrounds), and ``contrast_problems`` checks every text and
background pair a theme produces against WCAG's 4.5:1.

The wheel carries the files as ``incident_tui/_themes`` (pyproject force-include); a
source checkout has them in the top-level ``themes/`` folder, which is the fallback.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from textual.theme import Theme

DEFAULT_THEME = "incident-dark"
PROD_THEME = "incident-prod"

#: The semantic colours every theme defines, in both its tables.
SEMANTIC: tuple[str, ...] = (
    "background",  # the screen
    "surface",  # lists, inputs, the overview
    "panel",  # dialogs, the footer
    "header",  # the header line (loud in production)
    "header-text",
    "text",
    "muted",  # secondary text: times, hints, resolved rows
    "accent",  # keys, the active tab, focus, drills
    "cursor",  # the cursor row
    "cursor-text",
    "critical",
    "major",
    "minor",
    "pending",
    "active",
    "resolved",
    "warning",
    "error",
    "success",
)

#: Colours drawn as text on each background the theme produces.
_TEXT_COLOURS = (
    "text",
    "muted",
    "accent",
    "critical",
    "major",
    "minor",
    "pending",
    "active",
    "resolved",
    "warning",
    "error",
    "success",
)
TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    *((fg, bg) for bg in ("background", "surface", "panel") for fg in _TEXT_COLOURS),
    ("cursor-text", "cursor"),
    ("header-text", "header"),
    ("background", "accent"),  # the active tab, a primary button
    ("background", "error"),  # a dangerous button
)

#: WCAG 2's minimum contrast for normal text.
MIN_CONTRAST = 4.5

#: The 16 ANSI colours by name, as the RGB that Rich maps back to exactly that number
#: (Rich matches against the VGA palette when it writes for a 16-colour terminal).
ANSI_NAMES: tuple[str, ...] = (
    "black",
    "red",
    "green",
    "yellow",
    "blue",
    "magenta",
    "cyan",
    "white",
    "bright-black",
    "bright-red",
    "bright-green",
    "bright-yellow",
    "bright-blue",
    "bright-magenta",
    "bright-cyan",
    "bright-white",
)
_VGA = (
    "#000000",
    "#aa0000",
    "#00aa00",
    "#aa5500",
    "#0000aa",
    "#aa00aa",
    "#00aaaa",
    "#aaaaaa",
    "#555555",
    "#ff5555",
    "#55ff55",
    "#ffff55",
    "#5555ff",
    "#ff55ff",
    "#55ffff",
    "#ffffff",
)
#: How a terminal shows the 16 ANSI colours: xterm's default palette (XTerm-col.ad).
#: The 16-colour contrast check assumes it; other terminals' palettes differ a little.
XTERM_16: tuple[tuple[int, int, int], ...] = (
    (0, 0, 0),
    (205, 0, 0),
    (0, 205, 0),
    (205, 205, 0),
    (0, 0, 238),
    (205, 0, 205),
    (0, 205, 205),
    (229, 229, 229),
    (127, 127, 127),
    (255, 0, 0),
    (0, 255, 0),
    (255, 255, 0),
    (92, 92, 255),
    (255, 0, 255),
    (0, 255, 255),
    (255, 255, 255),
)

#: Variables our CSS uses beyond Textual's own; a theme that is not ours (a built-in
#: Textual theme chosen with ``:theme``) falls back to these.
VARIABLE_DEFAULTS: dict[str, str] = {
    "sev-critical": "#ff5f5f",
    "sev-major": "#ffaf5f",
    "sev-minor": "#ffd75f",
    "sev-pending": "#a8a8a8",
    "status-active": "#ff8787",
    "status-resolved": "#5fd787",
    "header-background": "$panel",
    "header-foreground": "$foreground",
}


class ThemeFileError(Exception):
    """A theme file that cannot be used; the message names the file."""


@dataclass(frozen=True)
class ThemeSpec:
    """One theme: its name, whether it is dark, and its semantic colours (``#rrggbb``)
    for 256-colour terminals (``colors``) and for 16-colour ones (``ansi``)."""

    name: str
    dark: bool
    colors: dict[str, str]
    ansi: dict[str, str]
    description: str = ""

    def palette(self, colours: int) -> dict[str, str]:
        return self.ansi if colours <= 16 else self.colors

    def textual_theme(self, colours: int = 256) -> Theme:
        """The Textual theme for a terminal of ``colours`` colours (16 or more)."""
        return build_theme(self.name, self.dark, self.palette(colours))


def build_theme(name: str, dark: bool, c: dict[str, str]) -> Theme:
    """A Textual theme whose every text-bearing variable comes from the semantic colours."""
    variables = {
        "text": c["text"],
        "text-muted": c["muted"],
        "text-disabled": c["muted"],
        "text-primary": c["accent"],
        "text-secondary": c["accent"],
        "text-accent": c["accent"],
        "text-warning": c["warning"],
        "text-error": c["error"],
        "text-success": c["success"],
        "foreground-muted": c["muted"],
        "block-cursor-background": c["cursor"],
        "block-cursor-foreground": c["cursor-text"],
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-background": c["cursor"],
        "block-cursor-blurred-foreground": c["cursor-text"],
        "block-cursor-blurred-text-style": "none",
        "block-hover-background": c["surface"],
        "border": c["accent"],
        "border-blurred": c["muted"],
        "surface-active": c["surface"],
        "footer-background": c["panel"],
        "footer-foreground": c["text"],
        "footer-key-foreground": c["accent"],
        "footer-key-background": c["panel"],
        "footer-description-foreground": c["text"],
        "footer-description-background": c["panel"],
        "footer-item-background": c["panel"],
        "input-cursor-background": c["text"],
        "input-cursor-foreground": c["background"],
        "input-cursor-text-style": "none",
        "input-selection-background": c["cursor"],
        "input-selection-foreground": c["cursor-text"],
        "button-foreground": c["text"],
        "button-color-foreground": c["background"],
        "button-focus-text-style": "bold reverse",
        "scrollbar": c["muted"],
        "scrollbar-hover": c["accent"],
        "scrollbar-active": c["accent"],
        "scrollbar-background": c["surface"],
        "scrollbar-background-hover": c["surface"],
        "scrollbar-background-active": c["surface"],
        "scrollbar-corner-color": c["surface"],
        "link-color": c["accent"],
        "link-color-hover": c["accent"],
        "link-background": c["background"],
        "link-background-hover": c["background"],
        "screen-selection-background": c["cursor"],
        "screen-selection-foreground": c["cursor-text"],
        "sev-critical": c["critical"],
        "sev-major": c["major"],
        "sev-minor": c["minor"],
        "sev-pending": c["pending"],
        "status-active": c["active"],
        "status-resolved": c["resolved"],
        "header-background": c["header"],
        "header-foreground": c["header-text"],
    }
    return Theme(
        name=name,
        dark=dark,
        primary=c["accent"],
        secondary=c["accent"],
        accent=c["accent"],
        warning=c["warning"],
        error=c["error"],
        success=c["success"],
        foreground=c["text"],
        background=c["background"],
        surface=c["surface"],
        panel=c["panel"],
        boost=c["surface"],
        luminosity_spread=0.0,
        variables=variables,
    )


# --- contrast --------------------------------------------------------------------------


def _channel(value: int) -> float:
    v = value / 255
    return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    r, g, b = rgb
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def hex_rgb(value: str) -> tuple[int, int, int]:
    value = value.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def shown_rgb(value: str, colours: int) -> tuple[int, int, int]:
    """The colour a terminal of ``colours`` colours shows for ``value`` (``#rrggbb``):
    Rich's down-conversion, then xterm's palette for 16 and the xterm-256 table for 256."""
    from rich.color import Color, ColorSystem, ColorType
    from rich.color_triplet import ColorTriplet

    color = Color.from_triplet(ColorTriplet(*hex_rgb(value)))
    if colours > 256:
        return hex_rgb(value)
    if colours > 16:
        down = color.downgrade(ColorSystem.EIGHT_BIT)
        if down.type == ColorType.EIGHT_BIT and down.number is not None:
            from rich._palettes import EIGHT_BIT_PALETTE

            return tuple(EIGHT_BIT_PALETTE[down.number])  # type: ignore[return-value]
        return hex_rgb(value)
    down = color.downgrade(ColorSystem.STANDARD)
    return XTERM_16[down.number or 0]


def contrast_problems(spec: ThemeSpec, colours: int) -> list[str]:
    """Each text/background pair of ``spec`` under ``MIN_CONTRAST`` on a terminal of
    ``colours`` colours (16, 256 or 16 777 216), as ``"muted on panel: 3.9"``."""
    palette = spec.palette(colours)
    problems = []
    for fg, bg in TEXT_PAIRS:
        ratio = contrast(shown_rgb(palette[fg], colours), shown_rgb(palette[bg], colours))
        if ratio < MIN_CONTRAST:
            problems.append(f"{spec.name} ({colours} colours): {fg} on {bg}: {ratio:.2f}")
    return problems


# --- files -------------------------------------------------------------------------------


def _theme_dirs() -> list[Path]:
    dirs: list[Path] = []
    try:
        packaged = resources.files("incident_tui") / "_themes"
        if packaged.is_dir():
            dirs.append(Path(str(packaged)))
    except (ModuleNotFoundError, OSError):
        pass
    repo = Path(__file__).resolve().parents[2] / "themes"
    if repo.is_dir():
        dirs.append(repo)
    return dirs


def _colour_table(raw: object, source: str, table: str, ansi: bool) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise ThemeFileError(f"{source}: [{table}] must be a table")
    missing = [name for name in SEMANTIC if name not in raw]
    if missing:
        raise ThemeFileError(f"{source}: [{table}] lacks {missing[0]!r}")
    unknown = sorted(set(raw) - set(SEMANTIC))
    if unknown:
        raise ThemeFileError(f"{source}: [{table}] has an unknown colour {unknown[0]!r}")
    colours: dict[str, str] = {}
    for name in SEMANTIC:
        value = raw[name]
        if ansi:
            if value not in ANSI_NAMES:
                raise ThemeFileError(
                    f"{source}: [{table}].{name} must be an ANSI colour name"
                    f" ({', '.join(ANSI_NAMES)})"
                )
            colours[name] = _VGA[ANSI_NAMES.index(value)]
        else:
            if not isinstance(value, str) or len(value) != 7 or value[0] != "#":
                raise ThemeFileError(f"{source}: [{table}].{name} must be a #rrggbb colour")
            try:
                hex_rgb(value)
            except ValueError:
                raise ThemeFileError(
                    f"{source}: [{table}].{name} must be a #rrggbb colour"
                ) from None
            colours[name] = value.lower()
    return colours


def parse_theme(text: str, source: str) -> ThemeSpec:
    """One theme from TOML text; unknown keys are refused so typos do not pass silently."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeFileError(f"{source}: not valid TOML: {exc}") from None
    unknown = sorted(set(raw) - {"name", "dark", "description", "colors", "ansi"})
    if unknown:
        raise ThemeFileError(f"{source}: unknown theme setting {unknown[0]!r}")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise ThemeFileError(f"{source}: a theme needs a name")
    dark = raw.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeFileError(f"{source}: dark must be true or false")
    return ThemeSpec(
        name=name,
        dark=dark,
        colors=_colour_table(raw.get("colors"), source, "colors", ansi=False),
        ansi=_colour_table(raw.get("ansi"), source, "ansi", ansi=True),
        description=str(raw.get("description", "")),
    )


@lru_cache(maxsize=1)
def load_specs() -> dict[str, ThemeSpec]:
    """Every shipped theme by name (the packaged copy wins over the repo's)."""
    specs: dict[str, ThemeSpec] = {}
    for folder in _theme_dirs():
        for path in sorted(folder.glob("*.toml")):
            spec = parse_theme(path.read_text(encoding="utf-8"), str(path))
            specs.setdefault(spec.name, spec)
    return specs


def load_themes(colours: int = 256) -> dict[str, Theme]:
    """Every shipped theme as a Textual theme for a terminal of ``colours`` colours."""
    return {name: spec.textual_theme(colours) for name, spec in load_specs().items()}


def theme_names() -> list[str]:
    return sorted(load_specs())
