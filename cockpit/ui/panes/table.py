"""`CockpitTable`: the DataTable the list panes share, with k9s/vi keys and diffed updates.

`show(rows)` takes the wanted rows as (key, cells) and changes the table as little as
it can: same keys in the same order -> `update_cell` on changed cells only; otherwise
rebuild and put the cursor back on the same key (Textual's `clear()` resets it).
Cells are `rich.text.Text` made with `plain()` - never markup strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Size
from textual.reactive import Reactive
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, RowKey

from cockpit.ui.cells import FastCells
from cockpit.ui.panes.base import Pane

Row = tuple[str, tuple[Text, ...]]


def cell_sig(cell: Text) -> tuple[str, str]:
    return (cell.plain, str(cell.style))


class CockpitTable(FastCells, DataTable):
    BINDINGS = [
        Binding("j", "cursor_down", "down", show=False, id="list.down", tooltip="Next row"),
        Binding("k", "cursor_up", "up", show=False, id="list.up", tooltip="Previous row"),
        Binding("g", "scroll_top", "top", show=False, id="list.top", tooltip="First row"),
        Binding("G", "scroll_bottom", "bottom", show=False, id="list.bottom",
                tooltip="Last row"),
        Binding("enter", "select_cursor", "details", id="list.details",
                tooltip="Show the selected row in full"),
    ]

    DEFAULT_CSS = """
    /* No horizontal bar: texts are cut to the pane (enter shows them whole), and a bar
       is ~1.6 KB of escapes each time the table repaints (bytes over SSH). Left/right
       still scroll. */
    CockpitTable { height: 1fr; scrollbar-size-vertical: 1; scrollbar-size-horizontal: 0; }
    """

    # DataTable's virtual size moves with every row added or removed (a new event in the
    # log), and Widget's `virtual_size` asks for Textual's layout pass: the whole screen
    # arranged and rendered again (at default intervals, 2 of the 3 layout passes a minute
    # at 80x24, issue 14). The table's size is its pane's
    # (height: 1fr), not its rows', so what can change is its scrollbars: the watcher below
    # updates them, a layout only where one shows or hides (their reactives ask for it).
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def watch_virtual_size(self, size: Size) -> None:
        if self.styles.auto_dimensions:  # sized by its rows after all (a style changed it)
            self.refresh(layout=True)
        elif self.is_mounted:
            self._scroll_update(size)

    def __init__(self, columns: Sequence[tuple[str, str]], **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self._bound_caches()
        self._columns = list(columns)
        self._keys: list[str] = []
        self._sigs: dict[str, tuple[tuple[str, str], ...]] = {}
        self._cells: dict[str, tuple[Text, ...]] = {}  # the cells last shown, by row key
        # Rows given before the table is mounted (a pane drawn as its new layout mounts):
        # its columns are added at mount, and DataTable refuses cells beyond its columns.
        self._pending_rows: Sequence[Row] | None = None

    # DataTable's render caches are keyed on its update count, which every changed cell
    # bumps: entries of earlier counts never hit again, yet stay until the cache is full
    # (10,000 cells, 3 x 1,000 rows/lines). On a long watch that was ~30 MB of RSS over
    # 8 hours (bench_soak). A few screens' worth is all a pane of this size reuses.
    CACHE_ROWS = 100
    CACHE_CELLS = 500

    def _bound_caches(self) -> None:
        from textual.cache import LRUCache

        for name, size in (("_row_render_cache", self.CACHE_ROWS),
                           ("_cell_render_cache", self.CACHE_CELLS),
                           ("_row_renderable_cache", self.CACHE_ROWS),
                           ("_line_cache", self.CACHE_ROWS)):
            if isinstance(getattr(self, name, None), LRUCache):
                setattr(self, name, LRUCache(size))

    def on_mount(self) -> None:
        for label, key in self._columns:
            self.add_column(label, key=key)
        pending, self._pending_rows = self._pending_rows, None
        if pending is not None:
            self.show(pending)

    @property
    def row_keys(self) -> list[str]:
        return list(self._keys)

    def current_key(self) -> str | None:
        if not self._keys or self.cursor_row < 0 or self.cursor_row >= len(self._keys):
            return None
        return self._keys[self.cursor_row]

    def resync_keys(self) -> None:
        """After adding/removing/sorting rows directly: re-read the row order."""
        self._keys = [str(row.key.value) for row in self.ordered_rows]
        self._sigs = {k: v for k, v in self._sigs.items() if k in set(self._keys)}
        self._cells = {}

    def _set_cell(self, row_key: str, column_key: str, cell: Text) -> None:
        """Change one cell and repaint only its row (DataTable.update_cell repaints the
        whole table, which over SSH resends every row); a wider cell takes the full path."""
        column = self.columns.get(ColumnKey(column_key))
        if column is None or cell.cell_len > column.content_width or not self.is_mounted:
            self.update_cell(row_key, column_key, cell, update_width=True)
            return
        self._data[RowKey(row_key)][ColumnKey(column_key)] = cell
        self._update_count += 1  # the row render cache is keyed on it
        self.refresh_row(self.get_row_index(row_key))

    def _widths(self) -> list[int]:
        return [column.get_render_width(self) for column in self.ordered_columns]

    def _repaint_if_widened(self, before: list[int]) -> None:
        """DataTable measures cells when it is next idle, but its render caches are keyed
        on its update count, not on widths: rows drawn before that (a pass drawing at once)
        kept the header's widths ("12:2 inf note roo") until a later change bumped it."""
        if self._widths() != before:
            self._update_count += 1
            self.refresh()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Textual's (new rows measured), and a repaint when it widened a column."""
        before = self._widths()
        super()._update_dimensions(new_rows)
        self._repaint_if_widened(before)

    def _update_column_widths(self, updated_cells: Iterable[CellKey]) -> None:
        """Textual's (cells changed with update_width), and the same repaint."""
        before = self._widths()
        super()._update_column_widths(updated_cells)
        self._repaint_if_widened(before)

    def fit(self, widths: Mapping[str, int]) -> None:
        """Fix column widths (by key) so the table fits its pane; repaint only on a change.
        Columns left out keep sizing to their content."""
        changed = False
        for key, width in widths.items():
            column = self.columns.get(ColumnKey(key))
            if column is not None and (column.auto_width or column.width != width):
                column.auto_width, column.width = False, width
                changed = True
        if changed:
            self._require_update_dimensions = True  # Textual's own flag for a new width
            self._update_count += 1  # its row render cache is keyed on it
            self.refresh()

    def show(self, rows: Sequence[Row]) -> None:
        if len(self.columns) < len(self._columns):  # not mounted yet: shown at mount
            self._pending_rows = rows
            return
        keys = [k for k, _ in rows]
        col_keys = [k for _, k in self._columns]
        if keys == self._keys:
            for key, cells in rows:
                if cells is self._cells.get(key):
                    continue  # the very cells shown last time (a pane that caches its rows)
                self._cells[key] = cells
                sig = tuple(cell_sig(c) for c in cells)
                old = self._sigs.get(key)
                if sig == old:
                    continue
                for i, cell in enumerate(cells):
                    if old is None or old[i] != sig[i]:
                        self._set_cell(key, col_keys[i], cell)
                self._sigs[key] = sig
            self._measure_now()
            return
        current = self.current_key()
        self.clear()
        self._keys, self._sigs, self._cells = [], {}, {}
        for key, cells in rows:
            self.add_row(*cells, key=key)
        # Only once every row is in: a row refused must not leave keys it lacks, which the
        # next show would take for its rows (cells changed in rows that are not there).
        self._keys = keys
        self._sigs = {k: tuple(cell_sig(c) for c in cells) for k, cells in rows}
        self._cells = dict(rows)
        if current in self._sigs:
            self.move_cursor(row=keys.index(current), animate=False)
        self._measure_now()

    def _measure_now(self) -> None:
        """Measure new rows and widened cells now, as DataTable does when it is next idle
        (in the same order): the frame painted after a `show` has them at their widths.
        At start that frame is the first one, painted before the table is ever idle."""
        if self._updated_cells:
            updated = self._updated_cells.copy()
            self._updated_cells.clear()
            self._update_column_widths(updated)
        if self._require_update_dimensions:
            self._require_update_dimensions = False
            new_rows = self._new_rows.copy()
            self._new_rows.clear()
            self._update_dimensions(new_rows)


class TablePane(Pane):
    """A pane whose body is one `CockpitTable` that `/` filters (the checklist, the log)."""

    KEY_WIDGETS = (CockpitTable,)

    @property
    def table(self) -> CockpitTable:
        return self.query_one(CockpitTable)

    @property
    def can_filter(self) -> bool:
        return True
