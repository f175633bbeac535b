"""Corpus files -> documents: reading, skipping bad files with a reason, cleaning.

Supported files (found recursively, in sorted order):

* `.md` / `.markdown` / `.txt`: optional YAML front matter (title, publisher,
  author, url, published), then the article. Without a `title` in front matter
  the first non-empty line is the title.
* `.jsonl`: one article per line, an object with `title` and `text` and the
  same optional metadata keys.

Cleaning follows general rules for text copied from news pages, never strings
of particular articles: page chrome (comment and subscription prompts, share
and read-more links, "back to top") is dropped; the first footer marker
(comment section, related articles, copyright line) ends the article; byline
and date lines become metadata; paragraphs repeated within an article and
articles repeated across files are kept once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import frontmatter
import yaml

from bot.text import normalize

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
JSONL_SUFFIXES = frozenset({".jsonl"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | JSONL_SUFFIXES
METADATA_KEYS = ("publisher", "author", "url", "published")


class CorpusError(Exception):
    """The corpus as a whole cannot be used (missing folder, nothing to index).

    `skipped` holds what was left out on the way, so that the reasons a corpus
    yielded nothing can be shown per file.
    """

    def __init__(self, message: str, skipped: tuple[SkippedFile, ...] = ()) -> None:
        super().__init__(message)
        self.skipped = skipped


@dataclass(frozen=True, slots=True)
class Document:
    """One article: its title, cleaned paragraphs and what is known about it."""

    id: str
    title: str
    paragraphs: tuple[str, ...]
    source: str
    """Where it came from, relative to the corpus folder (with a line number for JSONL)."""
    publisher: str | None = None
    author: str | None = None
    url: str | None = None
    published: str | None = None
    content_hash: str = ""
    """A hash of the title and paragraphs; computed when not given."""

    def __post_init__(self) -> None:
        if not self.content_hash:
            digest = hashlib.sha256("\n".join([self.title, *self.paragraphs]).encode())
            object.__setattr__(self, "content_hash", digest.hexdigest())

    def metadata(self) -> dict[str, str]:
        """The optional metadata this document has, by key."""
        values = {key: getattr(self, key) for key in METADATA_KEYS}
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file (or JSONL line) that was not loaded, and why."""

    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class Corpus:
    """What loading a folder gives: the documents and everything skipped on the way."""

    folder: Path
    documents: tuple[Document, ...]
    skipped: tuple[SkippedFile, ...] = field(default=())


class _Skip(Exception):
    """Raised inside the loader to skip one file with a reason."""


# ---------------------------------------------------------------------------
# Cleaning rules. Each is a general pattern of web pages, not of one article.

# Lines that are page chrome wherever they stand.
_CHROME = re.compile(
    r"""^(?:
        (?:read|learn|see|find\ out|discover)\ more\b.{0,40}
      | continue\ reading\b.{0,40}
      | back\ to\ top\b.{0,3}
      | (?:share|tweet|email)\ (?:this|on)\b.{0,40}
      | follow\ us\b.{0,60}
      | click\ here\b.{0,80}
      | (?:sign\ up|subscribe)\b.{0,80}
      | enter\ your\ e-?mail(?:\ address)?\W{0,3}
      | your\ e-?mail\ address\ will\ not\ be\ published\b.*
      | required\ fields\ are\ marked\b.*
      | advertisement
      | (?-i:.{0,120}\bNo\ Comments?\ on\ .*[^.!?])
      | \d+\ comments?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# Lines where the article has ended and the page footer begins.
_FOOTER = re.compile(
    r"""^(?:
        leave\ a\ (?:reply|comment)\b.{0,20}
      | comments?\ (?:are\ )?closed\b.{0,20}
      | (?:related|recommended|more)\ (?:articles|posts|stories|news)\b.{0,20}
      | you\ may\ also\ like\b.{0,20}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# "Copyright © 2014-2025 Example Media. All rights reserved." -> "Example Media"
# "Copyright" alone may open a sentence about copyright; a notice has a symbol or a year.
_COPYRIGHT = re.compile(
    r"^(?:©|\(c\)|copyright\s*(?:©|\(c\)|(?=\d{4})))\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*,?\s*"
    r"(?P<holder>.*?)[\s.,]*(?:all rights reserved\.?)?$",
    re.IGNORECASE,
)

_BULLET = re.compile(r"^[•·▪►◦‣⁃]\s*")
_BYLINE = re.compile(r"^(?i:by)\s+(?P<name>[A-Z][\w.'-]*(?:\s+(?:[A-Z][\w.'-]*|and|&))*)$")
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE = re.compile(
    rf"""^(?:(?:published|updated|posted)(?:\s+on)?:?\s*)?
    (?P<date>
        \d{{4}}-\d{{2}}-\d{{2}}
      | (?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}
      | \d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}}
    )?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_DATE_FORMATS = ("%Y-%m-%d", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y")

# A trailing photo credit on a caption: "(Image Credit: Xinhua)", "  Reuters/File".
_CREDIT = re.compile(
    r"\s*(?:\((?:image|photo|picture|video)\s*(?:credit|courtesy|source)?\s*:[^)]*\)"
    r"|(?<=[.!?])\s+[\w.&-]+(?:\s[\w.&-]+){0,3}/(?:file|handout|pool)(?:\s+photo)?)\s*$",
    re.IGNORECASE,
)

# A line without closing punctuation and this many words or fewer is a heading,
# caption title or link label, not prose to quote.
_HEADING_MAX_WORDS = 8
_SENTENCE_END = tuple(".!?\"')]:;")

_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_PREFIX = re.compile(r"^(?:#{1,6}\s+|>\s*|[-*+]\s+(?=\S))")
# Emphasis markers around words, not underscores inside them (snake_case stays).
_MARKDOWN_EMPHASIS = re.compile(r"(?<!\w)(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1(?!\w)")


def _parse_date(text: str) -> str:
    """ISO form of a date line's date where it parses; the text as written otherwise."""
    cleaned = re.sub(r"[.,]", "", text).strip()
    cleaned = re.sub(r"\bSept\b", "Sep", cleaned, flags=re.IGNORECASE)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return text


@dataclass
class _Cleaned:
    paragraphs: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)


def _clean_line(line: str, title: str, found: dict[str, str]) -> str | None:
    """The line as prose to keep, or None (metadata goes into `found`)."""
    bullet = _BULLET.match(line)
    if bullet:
        line = line[bullet.end() :]
    if (byline := _BYLINE.match(line)) and len(line.split()) <= 8:
        found.setdefault("author", byline.group("name"))
        return None
    if (dated := _DATE.match(line)) and (bullet or dated.group("date") != line):
        if dated.group("date"):
            found.setdefault("published", _parse_date(dated.group("date")))
        return None
    if dated and dated.group("date"):  # a bare date on its own line
        found.setdefault("published", _parse_date(line))
        return None
    if bullet and not line.endswith(_SENTENCE_END):
        return None  # other bullet metadata: section names, tags, outlet labels
    if line.casefold() == title.casefold() or _CHROME.match(line):
        return None
    if "/" in line or ")" in line:  # a credit needs one of them; the search is slow
        line = _CREDIT.sub("", line)
    if not line.endswith(_SENTENCE_END) and len(line.split()) <= _HEADING_MAX_WORDS:
        return None
    return line


def clean_body(title: str, body: str, *, markdown: bool = False) -> _Cleaned:
    """Turn an article body into paragraphs of prose plus metadata found in it."""
    cleaned = _Cleaned()
    block: list[str] = []
    seen: set[str] = set()

    def close_block() -> None:
        if block:
            paragraph = " ".join(block)
            key = paragraph.casefold()
            if key not in seen:  # a paragraph repeated within an article is kept once
                seen.add(key)
                cleaned.paragraphs.append(paragraph)
            block.clear()

    in_footer = False
    for raw in body.split("\n"):
        line = normalize(raw)
        if markdown:
            line = _strip_markdown(line)
        if not line:
            close_block()
            continue
        if copyright_line := _COPYRIGHT.match(line):
            # The copyright holder is the publisher; the footer it opens is not prose.
            if holder := copyright_line.group("holder").strip():
                cleaned.metadata.setdefault("publisher", holder)
            break
        in_footer = in_footer or bool(_FOOTER.match(line))
        if in_footer:
            continue  # past the article's end, only a copyright line still matters
        kept = _clean_line(line, title, cleaned.metadata)
        if kept is not None:
            block.append(kept)
    close_block()
    return cleaned


def _strip_markdown(line: str) -> str:
    line = _MARKDOWN_PREFIX.sub("", line)
    line = _MARKDOWN_LINK.sub(r"\1", line)
    return _MARKDOWN_EMPHASIS.sub(r"\2", line)


# ---------------------------------------------------------------------------
# Reading files.


def _read_bytes(path: Path, max_file_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_file_bytes:
            raise _Skip(f"{size:,} bytes, over the max_file_bytes limit of {max_file_bytes:,}")
        return path.read_bytes()
    except OSError as error:
        raise _Skip(f"unreadable: {error.strerror or error}") from None


def _decode(data: bytes) -> str:
    if not data.strip():
        raise _Skip("empty file")
    if b"\x00" in data:
        raise _Skip("binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")  # a byte-order mark is not part of the text
    except UnicodeDecodeError as error:
        raise _Skip(f"not UTF-8 (invalid byte at offset {error.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _metadata_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = normalize(str(value))
    return text or None


def _make_document(
    doc_id: str,
    source: str,
    title: str,
    body: str,
    given: Mapping[str, object],
    *,
    markdown: bool,
) -> Document:
    title = normalize(title.lstrip("#")) if markdown else normalize(title)
    if not title:
        raise _Skip("no title")
    cleaned = clean_body(title, body, markdown=markdown)
    if not cleaned.paragraphs:
        raise _Skip("no prose left after cleaning")
    # Metadata stated explicitly wins over what cleaning found in the text.
    metadata = {**cleaned.metadata}
    for key in METADATA_KEYS:
        if (value := _metadata_value(given.get(key))) is not None:
            metadata[key] = value
    return Document(
        id=doc_id, title=title, paragraphs=tuple(cleaned.paragraphs), source=source, **metadata
    )


def _parse_text_file(text: str, doc_id: str, source: str, *, markdown: bool) -> Document:
    given: dict[str, object] = {}
    body = text
    if text.lstrip().startswith("---"):
        try:
            post = frontmatter.loads(text)
        except yaml.YAMLError as error:
            problem = str(error).splitlines()[0]
            raise _Skip(f"front matter is not valid YAML: {problem}") from None
        given, body = dict(post.metadata), post.content
    title = _metadata_value(given.get("title"))
    if title is None:
        lines = body.lstrip().split("\n", 1)
        title, body = lines[0], (lines[1] if len(lines) > 1 else "")
    return _make_document(doc_id, source, title, body, given, markdown=markdown)


def _parse_jsonl(text: str, doc_id: str, source: str) -> Iterator[Document | SkippedFile]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        where = f"{source}:{number}"
        try:
            record = json.loads(line)
            if not isinstance(record, dict):
                raise _Skip("not a JSON object")
            title, body = record.get("title"), record.get("text")
            if not isinstance(title, str) or not isinstance(body, str):
                raise _Skip('needs string fields "title" and "text"')
            yield _make_document(f"{doc_id}:{number}", where, title, body, record, markdown=False)
        except json.JSONDecodeError as error:
            yield SkippedFile(where, f"not valid JSON: {error.msg}")
        except _Skip as skip:
            yield SkippedFile(where, str(skip))


def _candidate_files(root: Path) -> Iterator[Path | SkippedFile]:
    """Every file under `root` worth a look, sorted, or the reason a path is passed over."""
    resolved_root = root.resolve()
    for folder, dirnames, filenames in os.walk(root):
        base = Path(folder)
        dirnames.sort()
        for name in list(dirnames):
            path = base / name
            relative = path.relative_to(root).as_posix()
            if name.startswith("."):
                dirnames.remove(name)
            elif path.is_symlink() and not path.resolve().is_relative_to(resolved_root):
                dirnames.remove(name)
                yield SkippedFile(relative, "symlink leads outside the corpus folder")
            elif path.suffix.lower() in SUPPORTED_SUFFIXES:
                dirnames.remove(name)
                yield SkippedFile(relative, "a directory named like a file")
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = base / name
            relative = path.relative_to(root).as_posix()
            if path.suffix.lower() not in SUPPORTED_SUFFIXES:
                yield SkippedFile(relative, f"unsupported file type {path.suffix or '(none)'!r}")
            elif path.is_symlink() and not path.resolve().is_relative_to(resolved_root):
                yield SkippedFile(relative, "symlink leads outside the corpus folder")
            elif not path.is_file():
                yield SkippedFile(relative, "not a regular file (or a broken symlink)")
            else:
                yield path


def _parse_file(data: bytes, relative: str, suffix: str) -> list[Document | SkippedFile]:
    """What a file's bytes hold: its documents, and what was skipped, in order."""
    doc_id = Path(relative).with_suffix("").as_posix()
    try:
        text = _decode(data)
        if suffix in JSONL_SUFFIXES:
            return list(_parse_jsonl(text, doc_id, relative))
        return [_parse_text_file(text, doc_id, relative, markdown=suffix != ".txt")]
    except _Skip as skip:
        return [SkippedFile(relative, str(skip))]


class FileCache(Protocol):
    """Parsed files kept from an earlier load (see bot.cache.CorpusCache)."""

    def lookup(self, relative: str, data: bytes) -> list[Document | SkippedFile] | None:
        """What parsing these exact bytes of this file gave before, or None."""

    def store(self, relative: str, results: list[Document | SkippedFile]) -> None:
        """Keep what parsing the bytes last looked up for this file gave."""

    def finish(self) -> None:
        """The load is over: files not looked up are gone from the corpus."""


def load_corpus(folder: Path, *, max_file_bytes: int, cache: FileCache | None = None) -> Corpus:
    """Read every supported file under `folder` into documents.

    A bad file never stops the load: it is skipped with a reason (logged and
    kept in `Corpus.skipped`). Only a missing folder raises `CorpusError`.
    With a `cache`, a file whose bytes are unchanged is not parsed again.
    """
    if not folder.exists():
        raise CorpusError(f"corpus folder not found: {folder}")
    if not folder.is_dir():
        raise CorpusError(f"corpus path is not a folder: {folder}")

    documents: list[Document] = []
    skipped: list[SkippedFile] = []
    first_with_hash: dict[str, str] = {}

    def keep(document: Document) -> None:
        if (original := first_with_hash.get(document.content_hash)) is not None:
            skipped.append(SkippedFile(document.source, f"same text as {original}"))
            return
        first_with_hash[document.content_hash] = document.source
        documents.append(document)

    def path_of(item: Path | SkippedFile) -> str:
        return item.path if isinstance(item, SkippedFile) else item.relative_to(folder).as_posix()

    for item in sorted(_candidate_files(folder), key=path_of):
        if isinstance(item, SkippedFile):
            skipped.append(item)
            continue
        relative = item.relative_to(folder).as_posix()
        try:
            data = _read_bytes(item, max_file_bytes)
        except _Skip as skip:
            skipped.append(SkippedFile(relative, str(skip)))
            continue
        results = cache.lookup(relative, data) if cache is not None else None
        if results is None:
            results = _parse_file(data, relative, item.suffix.lower())
            if cache is not None:
                cache.store(relative, results)
        for result in results:
            if isinstance(result, SkippedFile):
                skipped.append(result)
            else:
                keep(result)
    if cache is not None:
        cache.finish()

    for problem in skipped:
        log.warning("skipped %s: %s", problem.path, problem.reason)
    return Corpus(folder=folder, documents=tuple(documents), skipped=tuple(skipped))
