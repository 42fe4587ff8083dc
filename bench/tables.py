"""Plain-text tables and verdict lines, as every part of ``make bench`` prints them."""

from __future__ import annotations

from collections.abc import Sequence

Columns = Sequence[tuple[str, int]]  # (name, width) of each column


def cell(value: object, width: int) -> str:
    if isinstance(value, float):
        return f"{value:>{width}.2f}"
    return f"{value:>{width}}"


def row(cells: Sequence[object], widths: Sequence[int]) -> str:
    return " ".join(cell(value, width) for value, width in zip(cells, widths, strict=True))


def table(title: str, columns: Columns, rows: Sequence[Sequence[object]]) -> str:
    """``title``, a header, a rule and one line per row, right-aligned in ``columns``."""
    widths = [width for _, width in columns]
    header = row([name for name, _ in columns], widths)
    return "\n".join([title, header, "-" * len(header), *(row(r, widths) for r in rows)])


def check(claim: str, ok: bool) -> str:
    return f"  {claim}: {'met' if ok else 'NOT MET'}"
