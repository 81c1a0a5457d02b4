"""Report building blocks that render themselves in a notebook and in nbconvert's HTML.

A :class:`Section` is what a report function returns to a notebook cell: a heading, text,
figures and tables. It renders as self-contained HTML (figures embedded as PNG), so the
exported report needs no code cells and no network.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

import pandas as pd


@dataclass
class Section:
    """A titled block of paragraphs, figures (PNG bytes) and tables."""

    heading: str = ""
    paragraphs: list[str] = field(default_factory=list)
    figures: list[tuple[bytes, str]] = field(default_factory=list)  # (png, alt text)
    tables: list[pd.DataFrame] = field(default_factory=list)
    level: int = 2

    def _repr_html_(self) -> str:
        parts = []
        if self.heading:
            parts.append(f"<h{self.level}>{html.escape(self.heading)}</h{self.level}>")
        for text in self.paragraphs:
            parts.append(f"<p>{_inline_markup(text)}</p>")
        for png, alt in self.figures:
            data = base64.b64encode(png).decode("ascii")
            parts.append(f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}" '
                         'style="max-width:100%;height:auto"/>')
        for table in self.tables:
            parts.append(table.to_html(index=False, border=0, classes="povmodel-table", na_rep="–",
                                       float_format=lambda x: f"{x:,.2f}"))
        return "\n".join(parts)

    def __repr__(self) -> str:  # plain-text fallback (terminal, logs)
        lines = [self.heading, *self.paragraphs]
        lines += [f"[figure: {alt}]" for _, alt in self.figures]
        lines += [t.to_string(index=False) for t in self.tables]
        return "\n".join(x for x in lines if x)


def _inline_markup(text: str) -> str:
    """Escape text and turn **bold** into <strong>."""
    escaped = html.escape(text)
    pieces = escaped.split("**")
    return "".join(f"<strong>{p}</strong>" if i % 2 else p for i, p in enumerate(pieces))
