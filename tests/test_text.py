"""Untrusted text is neutralised for display but never altered in meaning."""

from __future__ import annotations

from incident_tui.text import clean, one_line


def test_escape_sequences_are_removed_whole() -> None:
    hostile = "a\x1b]8;;http://evil\x07link\x1b]8;;\x07 \x1b[31mred\x1b[0m \x9b2J"
    out = clean(hostile)
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "http://evil" not in out  # OSC parameters vanish with the sequence
    assert "link" in out and "red" in out


def test_control_characters_become_visible_pictures() -> None:
    assert clean("nul\x00bell\x07") == "nul\u2400bell\u2407"


def test_bidi_controls_are_dropped() -> None:
    assert clean("abc\u202edcb\u2066x\u2069") == "abcdcbx"


def test_markup_is_left_as_literal_text() -> None:
    # clean() never interprets markup; widgets must render it literally.
    assert clean("[bold]x[/] [@click=app.quit]q[/]") == "[bold]x[/] [@click=app.quit]q[/]"


def test_newlines_kept_only_when_multiline() -> None:
    assert "\n" not in clean("a\nb")
    assert clean("a\r\nb", multiline=True) == "a\nb"


def test_one_line_cuts_with_an_ellipsis() -> None:
    assert one_line("x" * 20, 10) == "x" * 9 + "\u2026"
    assert one_line("short", 10) == "short"
