"""PAN text-alignment annotations: the XML format, read and written as strings.

A PAN file describes one suspicious document and the passages it shares with sources::

    <document reference="suspicious-document00005.txt">
    <feature name="plagiarism" obfuscation="none" this_offset="3593" this_length="698"
             source_reference="source-document01090.txt" source_offset="1300" source_length="698"/>
    </document>

Truth files use ``name="plagiarism"``; detections use ``name="detected-plagiarism"``. Offsets
count characters of the file as decoded (not bytes), half-open like every span in retold.
The file name is ``<susp-stem>-<src-stem>.xml``; the scorer pairs truth and detection files by it.

>>> a = Annotation("s.txt", 10, 5, "r.txt", 0, 5, obfuscation="verbatim")
>>> xml = to_xml("s.txt", [a], name="plagiarism")
>>> parse_xml(xml, name="plagiarism")[0] == a
True
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

from retold.errors import InputError
from retold.types import Span

TRUTH = "plagiarism"
DETECTION = "detected-plagiarism"


@dataclass(frozen=True, slots=True, order=True)
class Annotation:
    """One reuse case (truth) or one detection: a passage of ``this`` shared with ``source``."""

    this_reference: str
    this_offset: int
    this_length: int
    source_reference: str
    source_offset: int
    source_length: int
    # Truth only: how the case was made ("none", "verbatim", "spin", ...); None for detections.
    obfuscation: str | None = None

    @property
    def this_span(self) -> Span:
        return Span(self.this_offset, self.this_offset + self.this_length)

    @property
    def source_span(self) -> Span:
        return Span(self.source_offset, self.source_offset + self.source_length)

    @property
    def pair(self) -> tuple[str, str]:
        return (self.this_reference, self.source_reference)


def pair_file_name(susp: str, src: str) -> str:
    """``suspicious-document00005.txt``, ``source-document01090.txt`` -> the PAN file name."""
    return f"{_stem(susp)}-{_stem(src)}.xml"


def _stem(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base else base


def to_xml(reference: str, annotations: Iterable[Annotation], *, name: str = DETECTION) -> str:
    """The PAN XML for one suspicious document; ``obfuscation`` is written when set."""
    lines = [f"<document reference={quoteattr(reference)}>"]
    for a in annotations:
        attrs = [f"name={quoteattr(name)}"]
        if a.obfuscation is not None:
            attrs.append(f"obfuscation={quoteattr(a.obfuscation)}")
        attrs += [
            f'this_offset="{a.this_offset}"',
            f'this_length="{a.this_length}"',
            f"source_reference={quoteattr(a.source_reference)}",
            f'source_offset="{a.source_offset}"',
            f'source_length="{a.source_length}"',
        ]
        lines.append(f"<feature {' '.join(attrs)} />")
    lines.append("</document>")
    return "\n".join(lines) + "\n"


def parse_xml(text: str, *, name: str | None = None, where: str = "<xml>") -> list[Annotation]:
    """Annotations in one PAN XML string.

    ``name`` keeps only features with that ``name`` attribute (``"plagiarism"`` or
    ``"detected-plagiarism"``); None keeps every feature that has offsets. The obfuscation comes
    from an ``obfuscation`` attribute, else from ``type`` (PAN13 writes both).
    Intrinsic features (no source) and empty passages are skipped: they cannot be scored here.
    """
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InputError(f"{where}: not valid PAN XML ({exc}); expected <document reference=...>") from None
    if root.tag != "document" or "reference" not in root.attrib:
        raise InputError(f'{where}: the root element must be <document reference="...">, got <{root.tag}>')
    ref = root.attrib["reference"]
    out: list[Annotation] = []
    for feat in root.iter("feature"):
        at = feat.attrib
        if name is not None and at.get("name") != name:
            continue
        if "source_reference" not in at or "this_offset" not in at:
            continue
        try:
            ann = Annotation(
                this_reference=ref,
                this_offset=int(at["this_offset"]),
                this_length=int(at["this_length"]),
                source_reference=at["source_reference"],
                source_offset=int(at["source_offset"]),
                source_length=int(at["source_length"]),
                obfuscation=at.get("obfuscation", at.get("type")),
            )
        except (KeyError, ValueError) as exc:
            raise InputError(
                f"{where}: a feature needs integer this_offset, this_length, source_offset and "
                f"source_length attributes ({exc})"
            ) from None
        if ann.this_length > 0 and ann.source_length > 0 and ann.this_offset >= 0 and ann.source_offset >= 0:
            out.append(ann)
    return out


def document_reference(text: str, *, where: str = "<xml>") -> str:
    """The ``reference`` of a PAN XML document (the suspicious file name)."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InputError(f"{where}: not valid PAN XML ({exc})") from None
    return root.attrib.get("reference", "")


def merge_adjacent(
    annotations: Sequence[Annotation], *, max_gap: int, max_source_gap: int | None = None
) -> list[Annotation]:
    """Merge detections of one document pair that follow each other in both documents.

    PAN counts every detection that touches a case: a case found as three pieces has granularity 3
    and its plagdet is halved (1/log2(4)). Pieces closer than ``max_gap`` characters on both
    sides, in the same order, are one passage to a reader too, so they become one detection.
    ``max_source_gap`` (default ``max_gap``) may allow a wider gap in the source: a condensed copy
    keeps its sentences together while their originals lie further apart.
    """
    src_gap = max_gap if max_source_gap is None else max_source_gap
    ordered = sorted(annotations, key=lambda x: (x.pair, x.this_offset, x.source_offset))
    out: list[Annotation] = []
    for a in ordered:
        if out:
            p = out[-1]
            t_gap = a.this_offset - (p.this_offset + p.this_length)
            s_gap = a.source_offset - (p.source_offset + p.source_length)
            # Never bridge source text that another detection already places elsewhere (a moved
            # paragraph): the merged detection would claim it twice.
            lo, hi = p.source_offset + p.source_length, a.source_offset
            claimed = any(
                o.pair == a.pair and o.source_offset < hi and lo < o.source_offset + o.source_length
                for o in ordered
                if o is not a
            )
            if p.pair == a.pair and -p.this_length < t_gap <= max_gap and -p.source_length < s_gap <= src_gap and not claimed:
                t_end = max(p.this_offset + p.this_length, a.this_offset + a.this_length)
                s_end = max(p.source_offset + p.source_length, a.source_offset + a.source_length)
                out[-1] = Annotation(
                    p.this_reference,
                    p.this_offset,
                    t_end - p.this_offset,
                    p.source_reference,
                    p.source_offset,
                    s_end - p.source_offset,
                    p.obfuscation,
                )
                continue
        out.append(a)
    return out
