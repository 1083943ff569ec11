"""A market notice's text fields as pages and mail show them: Markdown without HTML, and tables.

ERCOT writes the long description, action required, additional information and contact as Markdown
(raw HTML is shown as text, links only to http(s)/mailto, no images). A table may be written as a
Markdown pipe table, or pasted from Word or Excel: lines separated by tabs (a cell holding several
lines is quoted, as Excel copies it) or fixed-width columns (two or more spaces between columns that
start at the same place on every line). Tables become real tables on the page and aligned columns in
the mail's plain text. The gateway and the mail share this module, so both show the same notice.
"""

import csv
import html
import re
import textwrap
from dataclasses import dataclass, field

from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_markdown.disable("image")
_SAFE_LINK = re.compile(r"^(https?:|mailto:)", re.IGNORECASE)
_default_validate = _markdown.validateLink


def _safe_link(url: str) -> bool:
    return bool(_SAFE_LINK.match(url.strip())) and _default_validate(url)


_markdown.validateLink = _safe_link  # type: ignore[method-assign]  # markdown-it-py's documented way to vet links

_FIXED_GAP = re.compile(r" {2,}")
PLAIN_CELL_WIDTH = 38


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Prose:
    text: str


def blocks(text: str) -> list[Prose | Table]:
    """The text in order: prose between tables, each pasted table parsed into cells."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    found: list[Prose | Table] = []
    prose: list[str] = []
    index = 0
    while index < len(lines):
        table, used = _tab_table(lines, index) or _fixed_width_table(lines, index) or (None, 0)
        if table is None:
            prose.append(lines[index])
            index += 1
            continue
        if "".join(prose).strip():
            found.append(Prose("\n".join(prose).strip("\n")))
        prose = []
        found.append(table)
        index += used
    if "".join(prose).strip():
        found.append(Prose("\n".join(prose).strip("\n")))
    return found


def _tab_table(lines: list[str], start: int) -> tuple[Table, int] | None:
    """Lines holding tabs, from `start`; a quoted cell may run over several lines, as Excel copies it."""
    if "\t" not in lines[start]:
        return None
    end, open_quote = start, False
    while end < len(lines) and ("\t" in lines[end] or open_quote):
        open_quote ^= lines[end].count('"') % 2 == 1
        end += 1
    pasted = (line + "\n" for line in lines[start:end])
    rows = [row for row in csv.reader(pasted, delimiter="\t") if any(cell.strip() for cell in row)]
    if len(rows) < 2:
        return None
    return _table([[cell.strip() for cell in row] for row in rows]), end - start


def _fixed_width_table(lines: list[str], start: int) -> tuple[Table, int] | None:
    """Two or more lines whose columns (two or more spaces apart) start at the same offsets."""
    starts = _column_starts(lines[start])
    if len(starts) < 2:
        return None
    end = start + 1
    while end < len(lines) and lines[end].strip() and _column_starts(lines[end]) == starts:
        end += 1
    if end - start < 2:
        return None
    rows = [[cell.strip() for cell in _FIXED_GAP.split(line.strip())] for line in lines[start:end]]
    return _table(rows), end - start


def _column_starts(line: str) -> tuple[int, ...]:
    if not line.strip() or "\t" in line:
        return ()
    indent = len(line) - len(line.lstrip(" "))
    return (indent, *(gap.end() for gap in _FIXED_GAP.finditer(line, indent) if gap.end() < len(line.rstrip())))


def _table(rows: list[list[str]]) -> Table:
    width = max(len(row) for row in rows)
    padded = [row + [""] * (width - len(row)) for row in rows]
    return Table(padded[0], padded[1:])


def to_html(text: str) -> str:
    """Safe HTML: every character of the text escaped or rendered by Markdown without raw HTML."""
    parts = []
    for block in blocks(text):
        if isinstance(block, Table):
            parts.append(_table_html(block))
        else:
            parts.append(_markdown.render(block.text))
    return "".join(parts)


def _cell_html(value: str) -> str:
    return "<br>".join(html.escape(line) for line in value.split("\n"))


def _table_html(table: Table) -> str:
    head = "".join(f'<th scope="col">{_cell_html(cell)}</th>' for cell in table.header)
    body = "\n".join(
        "<tr>" + "\n".join(f"<td>{_cell_html(cell)}</td>" for cell in row) + "</tr>" for row in table.rows
    )
    # A line a cell: mail keeps every line under SMTP's limit of 998 characters.
    return f'<table class="notice-table">\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>\n'


def to_plain(text: str) -> str:
    """The text for a plain-text mail: prose as written, each table in aligned columns."""
    return "\n\n".join(_table_plain(b) if isinstance(b, Table) else b.text for b in blocks(text))


def _table_plain(table: Table) -> str:
    rows = [table.header, *table.rows]
    wrapped = [[_wrap(cell) for cell in row] for row in rows]
    widths = [max(len(line) for row in wrapped for line in row[col]) for col in range(len(table.header))]
    rule = "  ".join("-" * width for width in widths)
    out = []
    for number, row in enumerate(wrapped):
        height = max(len(cell) for cell in row)
        for line in range(height):
            cells = [(cell[line] if line < len(cell) else "").ljust(widths[col]) for col, cell in enumerate(row)]
            out.append("  ".join(cells).rstrip())
        if number == 0 or number == len(wrapped) - 1:
            out.append(rule)
    return "\n".join(out)


def _wrap(cell: str) -> list[str]:
    lines = [wrapped for line in cell.split("\n") for wrapped in (textwrap.wrap(line, PLAIN_CELL_WIDTH) or [""])]
    return lines or [""]
