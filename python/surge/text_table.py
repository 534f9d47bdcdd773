"""Plain-text tables for terminals and assertion messages: a header, a rule, then the rows,
columns two spaces apart. The first `left` columns are left-aligned (names), the rest
right-aligned (numbers); left=None aligns every column left."""

from __future__ import annotations

from collections.abc import Sequence


def text_table(header: Sequence[str], rows: Sequence[Sequence[str]], left: int | None = 1) -> str:
    table = [tuple(header), *(tuple(r) for r in rows)]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines = [
        "  ".join(
            c.ljust(w) if left is None or i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in table
    ]
    lines.insert(1, "-" * max(len(line) for line in lines))
    return "\n".join(lines)
