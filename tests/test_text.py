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


def test_unicode_line_and_paragraph_separators_are_line_breaks() -> None:
    assert clean("a\u2028b\u2029c") == "a \u23ce b \u23ce c"
    assert clean("a\u2028b\u2029c", multiline=True) == "a\nb\nc"


def test_format_characters_are_dropped_by_category() -> None:
    # soft hyphen, Mongolian vowel separator, zero-width joiner, tag characters (Cf)
    assert clean("soft\u00adhyphen") == "softhyphen"
    assert clean("a\u180eb") == "ab"
    assert clean("x\U000e0041\U000e007fy") == "xy"
    assert clean("word\u2060joiner\ufeff") == "wordjoiner"


def test_invisible_fillers_are_dropped() -> None:
    assert clean("a\u3164b\u115fc\uffa0d") == "abcd"


def test_surrogates_private_use_and_unassigned_become_replacement_characters() -> None:
    assert clean("a\ud800b\ue000c\U0010fffed") == "a\ufffdb\ufffdc\ufffdd"


def test_c1_controls_never_pass() -> None:
    assert clean("a\x85b\x9cc") == "a\ufffdb\ufffdc"


def test_printable_text_comes_back_unchanged() -> None:
    for text in ("plain", "Ünïcödé — “quotes”", "日本語", "no\u00a0break", "emoji \U0001f525"):
        assert clean(text) == text


def test_every_sanitised_character_is_printable() -> None:
    hostile = "".join(chr(c) for c in range(0, 0x3000)) + "\U000e0001\U000e007f\U0010ffff"
    out = clean(hostile, multiline=True).replace("\n", "")
    assert all(ch.isprintable() or ch == "\u00a0" or ch.isspace() for ch in out), [
        hex(ord(ch)) for ch in out if not (ch.isprintable() or ch.isspace())
    ][:5]


def test_terminal_safe_json_escapes_what_could_act_on_a_terminal_and_keeps_the_data() -> None:
    import json

    from incident_tui.text import terminal_safe_json

    value = {"title": "Bjørn 東京 \x1b[2J \x9b31m \u202e \u2028 \ufeff \ud800 \x7f", "n": 1}
    text = terminal_safe_json(value)
    assert json.loads(text) == value  # the data itself is untouched
    assert "Bjørn 東京" in text  # readable text stays readable
    for raw in ("\x1b", "\x9b", "\u202e", "\u2028", "\ufeff", "\ud800", "\x7f"):
        assert raw not in text
    text.encode("utf-8")  # printable whatever the text held (no lone surrogate left)
