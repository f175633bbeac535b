"""A file's bytes -> its documents, and what was skipped (JSONL lines, fields), in order."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from bot.corpus.cleaning import clean_body
from bot.corpus.document import METADATA_KEYS, Document, Skip, SkippedFile
from bot.corpus.files import decode
from bot.corpus.front_matter import front_matter
from bot.corpus.metadata import encodes, read_fields
from bot.search.analyzer import normalize


def _make_document(
    doc_id: str,
    source: str,
    title: str,
    body: str,
    *,
    fields: Mapping[str, str],
    notes: list[SkippedFile],
    markdown: bool,
) -> list[Document | SkippedFile]:
    """The document, then the notes on fields dropped from it."""
    title = normalize(title.lstrip("#")) if markdown else normalize(title)
    if not title:
        raise Skip("no title")
    cleaned = clean_body(title, body, markdown=markdown)
    if not cleaned.paragraphs:
        raise Skip("no prose left after cleaning")
    # Metadata stated explicitly wins over what cleaning found in the text.
    metadata = {**cleaned.metadata, **fields}
    if not all(encodes(value) for value in metadata.values()):
        raise Skip("the text holds a lone surrogate")
    try:
        document = Document(
            id=doc_id, title=title, paragraphs=tuple(cleaned.paragraphs), source=source, **metadata
        )
    except UnicodeEncodeError:  # hashing the text met a lone surrogate (only JSON has them)
        raise Skip("the text holds a lone surrogate") from None
    return [document, *notes]


def _parse_text_file(
    text: str, doc_id: str, source: str, *, markdown: bool
) -> list[Document | SkippedFile]:
    given: Mapping[str, object] = {}
    body = text
    if text.lstrip().startswith("---"):
        given, body = front_matter(text)
    fields, notes = read_fields(source, given, ("title", *METADATA_KEYS))
    title = fields.pop("title", None)
    if title is None:
        lines = body.lstrip().split("\n", 1)
        title, body = lines[0], (lines[1] if len(lines) > 1 else "")
    return _make_document(
        doc_id, source, title, body, fields=fields, notes=notes, markdown=markdown
    )


def parse_jsonl(
    lines: Iterable[tuple[int, str | Skip]], relative: str
) -> Iterator[Document | SkippedFile]:
    """The documents of a JSON Lines file's numbered lines (one article a line), and the
    lines skipped, in order, as they are read. Raises `Skip` when no line holds anything."""
    doc_id = Path(relative).with_suffix("").as_posix()
    empty = True
    for number, line in lines:
        where = f"{relative}:{number}"
        if isinstance(line, Skip):
            empty = False
            yield SkippedFile(where, str(line))
            continue
        if not line.strip():
            continue
        empty = False
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield SkippedFile(where, f"not valid JSON: {error.msg}")
            continue
        except RecursionError:
            yield SkippedFile(where, "not valid JSON: nested too deeply")
            continue
        except ValueError as error:  # an integer of more digits than Python converts
            yield SkippedFile(where, f"not valid JSON: {error}")
            continue
        try:
            if not isinstance(record, dict):
                raise Skip("not a JSON object")
            title, body = record.get("title"), record.get("text")
            if not isinstance(title, str) or not isinstance(body, str):
                raise Skip('needs string fields "title" and "text"')
            if not encodes(title):
                raise Skip("the title holds a lone surrogate")
            fields, notes = read_fields(where, record, METADATA_KEYS)
            results = _make_document(
                f"{doc_id}:{number}", where, title, body, fields=fields, notes=notes, markdown=False
            )
        except Skip as skip:
            results = [SkippedFile(where, str(skip))]
        yield from results
    if empty:
        raise Skip("empty file")


def parse_text_file(data: bytes, relative: str, suffix: str) -> list[Document | SkippedFile]:
    """What the bytes of a file holding one article give: its document and the fields
    dropped from it, or the reason it is skipped."""
    doc_id = Path(relative).with_suffix("").as_posix()
    try:
        return _parse_text_file(decode(data), doc_id, relative, markdown=suffix != ".txt")
    except Skip as skip:
        return [SkippedFile(relative, str(skip))]
