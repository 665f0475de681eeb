"""``RecordList``: the cursor list every incident tab and the org roles screen use; its
rows can be replaced by a refresh without losing the cursor's record."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.strip import Strip
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from incident_tui.ui.commands import Command, bindings


class RecordList(OptionList):
    """An ``OptionList`` of records (Line API: only visible lines are rendered) with vim
    keys, whose rows can be replaced without losing the cursor's record."""

    BINDINGS = bindings(
        (
            Command(
                "records.cursor_down",
                "j",
                "cursor_down",
                "Down",
                "Down",
                "Lists",
                show=False,
                palette=False,
            ),
            Command(
                "records.cursor_up",
                "k",
                "cursor_up",
                "Up",
                "Up",
                "Lists",
                show=False,
                palette=False,
            ),
            Command(
                "records.first", "g", "first", "First", "First", "Lists", show=False, palette=False
            ),
            Command(
                "records.last", "G", "last", "Last", "Last", "Lists", show=False, palette=False
            ),
        )
    )

    # Unscoped so the NO_COLOR rule can start at the App: without colour the cursor row
    # must still stand out, so it is underlined (OptionList's option styles drop reverse).
    SCOPED_CSS = False
    DEFAULT_CSS = """
    RecordList {
        height: 1fr;
        border: none;
        padding: 0;
        background: $surface;
        &:focus {
            border: none;
        }
    }
    App:nocolor RecordList > .option-list--option-highlighted {
        text-style: bold underline;
    }
    """

    def __init__(
        self, *, empty: str = "Nothing here.", divided: bool = False, id: str | None = None
    ) -> None:
        super().__init__(id=id, markup=False)
        self.empty_text = empty
        #: A rule between rows, for lists of multi-line records (the timeline).
        self.divided = divided
        self._keys: list[str] = []

    def render_line(self, y: int) -> Strip:
        """The cursor row in one colour pair: text styled for the list's background (muted
        times, accented kinds) would be unreadable on the cursor's background."""
        strip = super().render_line(y)
        try:
            index, _ = self._lines[self.scroll_offset.y + y]
        except IndexError:
            return strip
        if index != self.highlighted or self.options[index].disabled:
            return strip
        if not strip.text.strip("─ "):
            return strip  # the rule under a divided record is not part of the cursor
        cursor = self.get_visual_style(
            "option-list--option", "option-list--option-highlighted"
        ).rich_style
        colours = Style(color=cursor.color, bgcolor=cursor.bgcolor)
        return Strip(
            [Segment(text, (style + colours) if style else cursor) for text, style, _ in strip],
            strip.cell_length,
        )

    def _options_for(self, rows: Sequence[tuple[str, Content]], *, after: bool) -> list:
        """Options for ``rows``; with ``divided`` a rule before each (but the very first)."""
        options: list[Option | None] = []
        for n, (_, prompt) in enumerate(rows):
            if self.divided and (after or n):
                options.append(None)
            options.append(Option(prompt))
        return options

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    @property
    def current_key(self) -> str | None:
        """The key of the record under the cursor (None when the list is empty)."""
        index = self.highlighted
        if index is None or index >= len(self._keys):
            return None
        return self._keys[index]

    def set_rows(self, rows: Sequence[tuple[str, Content]], *, keep: bool = True) -> None:
        """Replace every row; the cursor stays on the same key when it is still there,
        else on the same position."""
        old_key = self.current_key if keep else None
        old_index = self.highlighted if keep else None
        scroll_y = self.scroll_y
        self.clear_options()
        self._keys = [key for key, _ in rows]
        if not rows:
            self.add_option(
                Option(Content.styled(self.empty_text, "italic $text-muted"), disabled=True)
            )
            return
        self.add_options(self._options_for(rows, after=False))
        target = 0
        if old_key is not None and old_key in self._keys:
            target = self._keys.index(old_key)
        elif old_index is not None:
            target = min(old_index, len(rows) - 1)
        self.highlighted = target
        if keep and self.is_mounted:
            self.scroll_to_highlight()  # lays the new rows out
            self.scroll_to(y=scroll_y, animate=False, immediate=True)  # the view stays put
            self.scroll_to_highlight()  # unless that hides the cursor

    def add_rows(self, rows: Sequence[tuple[str, Content]]) -> None:
        """Append rows (the next page) without moving the cursor."""
        if not rows:
            return
        if not self._keys:
            self.set_rows(rows, keep=False)
            return
        self._keys.extend(key for key, _ in rows)
        self.add_options(self._options_for(rows, after=True))

    def select_key(self, key: str) -> bool:
        if key in self._keys:
            self.highlighted = self._keys.index(key)
            return True
        return False
