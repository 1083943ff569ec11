"""Cells that spreadsheets show rather than run: the one rule every CSV and Excel export follows."""

# What makes Excel or LibreOffice treat a cell as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A value as text with a leading apostrophe where it would otherwise start a formula
    (openpyxl itself stores '=...' as a live formula)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
