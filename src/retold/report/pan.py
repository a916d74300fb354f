"""PAN text-alignment detection XML for one comparison (b is the suspicious document)."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from retold.types import Comparison


def detections_xml(
    c: Comparison,
    *,
    susp_reference: str | None = None,
    src_reference: str | None = None,
    this_shift: int = 0,
    source_shift: int = 0,
) -> str:
    """``<document reference=SUSP>`` with one ``detected-plagiarism`` feature per passage.

    ``this_`` offsets point into b (the suspicious document), ``source_`` offsets into a. The
    shifts add back characters dropped before ``Document.text`` (a leading date marker), so offsets
    count characters of the file as decoded.
    """
    susp = susp_reference or c.b.id
    src = src_reference or c.a.id
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f"<document reference={quoteattr(susp)}>"]
    for p in sorted(c.passages, key=lambda p: p.b.start):
        lines.append(
            f'  <feature name="detected-plagiarism" this_offset="{p.b.start + this_shift}" '
            f'this_length="{len(p.b)}" source_reference={quoteattr(src)} '
            f'source_offset="{p.a.start + source_shift}" source_length="{len(p.a)}" type={quoteattr(p.type)}/>'
        )
    lines.append("</document>")
    return "\n".join(lines) + "\n"
