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

import codecs
import errno
import hashlib
import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import yaml
from frontmatter.default_handlers import YAMLHandler

from bot.text import normalize

log = logging.getLogger(__name__)

TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
JSONL_SUFFIXES = frozenset({".jsonl"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | JSONL_SUFFIXES
METADATA_KEYS = ("publisher", "author", "url", "published")
# Parsed files are cached under this number (see bot.cache): bump it whenever reading or
# cleaning changes what a file yields, or caches keep what the old code made.
READER_VERSION = 1

# What front matter may cost: its block is parsed whole, and only the fields used are
# built, each from at most this many YAML nodes (aliases counted each time they are used,
# so an alias bomb is refused before it expands).
FRONT_MATTER_MAX_CHARS = 65_536
FIELD_MAX_NODES = 1_000
URL_MAX_CHARS = 2_048


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


class _NotUTF8(_Skip):
    """The bytes are not UTF-8 (a JSON Lines file is then read line by line)."""


class _Rejected(Exception):
    """A metadata value that is not usable text; the message says why."""


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


def _printable(text: str) -> str:
    """`text` safe to print on one line: bytes of a name that were not UTF-8 and control
    characters become escapes (`bad\\xffname.md`, `two\\nlines.md`)."""
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that no file name decodes to
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if text.isprintable():
        return text
    return "".join(
        char.encode("unicode_escape").decode("ascii")
        if unicodedata.category(char) == "Cc"
        else char
        for char in text
    )


def _name_problem(name: str, kind: str) -> str | None:
    """Why a file or folder name is not one to load under (it would not print), or None."""
    if name.isascii() and name.isprintable():
        return None
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return f"{kind} name is not valid UTF-8"
    if any(unicodedata.category(char) == "Cc" for char in name):
        return f"{kind} name holds a control character"
    return None


def _link_problem(path: Path, resolved_root: Path) -> str | None:
    """Why the symlink at `path` is not followed, or None (not a symlink, or one within the
    folder). Raises OSError when `path` cannot be looked at."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve()
    except RuntimeError:  # how Python before 3.13 reports a loop
        return "symlink loop"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symlink loop"
        raise
    if not target.is_relative_to(resolved_root):
        return "symlink leads outside the corpus folder"
    return None


def _folder_problem(path: Path, name: str, resolved_root: Path) -> str | None:
    """Why a subfolder is passed over, or None to enter it."""
    problem = _name_problem(name, "folder")
    if problem is None:
        try:
            problem = _link_problem(path, resolved_root)
        except OSError as error:
            problem = f"unreadable folder: {error.strerror or error}"
    if problem is None and path.suffix.lower() in SUPPORTED_SUFFIXES:
        problem = "a directory named like a file"
    return problem


def _file_problem(path: Path, name: str, resolved_root: Path) -> str | None:
    """Why a file is passed over, or None to read it."""
    problem = _name_problem(name, "file")
    if problem is None and path.suffix.lower() not in SUPPORTED_SUFFIXES:
        problem = f"unsupported file type {path.suffix or '(none)'!r}"
    if problem is None:
        try:
            problem = _link_problem(path, resolved_root)
            if problem is None and not path.is_file():
                problem = "not a regular file (or a broken symlink)"
        except OSError as error:
            problem = f"unreadable: {error.strerror or error}"
    return problem


def _candidate_files(root: Path, resolved_root: Path) -> Iterator[Path | SkippedFile]:
    """Every file under `root` worth a look, sorted, or the reason a path is passed over."""
    unlisted: list[SkippedFile] = []

    def cannot_list(error: OSError) -> None:  # os.walk passes over such a folder silently
        where = Path(error.filename) if error.filename else root
        relative = where.relative_to(root).as_posix() if where.is_relative_to(root) else where
        reason = f"unreadable folder: {error.strerror or error}"
        unlisted.append(SkippedFile(_printable(str(relative)), reason))

    for folder, dirnames, filenames in os.walk(root, onerror=cannot_list):
        yield from unlisted
        unlisted.clear()
        base = Path(folder)
        dirnames.sort()
        for name in list(dirnames):
            if name.startswith("."):
                dirnames.remove(name)
                continue
            path = base / name
            if (problem := _folder_problem(path, name, resolved_root)) is not None:
                dirnames.remove(name)
                yield SkippedFile(_printable(path.relative_to(root).as_posix()), problem)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = base / name
            if (problem := _file_problem(path, name, resolved_root)) is not None:
                yield SkippedFile(_printable(path.relative_to(root).as_posix()), problem)
            else:
                yield path
    yield from unlisted


def _read_bytes(path: Path, max_file_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_file_bytes:
            raise _Skip(f"{size:,} bytes, over the max_file_bytes limit of {max_file_bytes:,}")
        return path.read_bytes()
    except OSError as error:
        raise _Skip(f"unreadable: {error.strerror or error}") from None


# A byte-order mark says the encoding; UTF-32's are checked first (they begin with UTF-16's).
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(data: bytes) -> str:
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):  # UTF-16 or UTF-32 text: its NUL bytes are part of it
            try:
                text = data.decode(encoding)  # the mark gives the byte order and is dropped
            except UnicodeDecodeError as error:
                name = encoding.upper()
                raise _Skip(f"not valid {name} (bad data at offset {error.start})") from None
            if not text.strip():
                raise _Skip("empty file")
            if "\x00" in text:
                raise _Skip("binary file (contains NUL characters)")
            break
    else:
        if not data.strip():
            raise _Skip("empty file")
        if b"\x00" in data:
            raise _Skip("binary file (contains NUL bytes)")
        try:
            text = data.decode("utf-8-sig")  # a byte-order mark is not part of the text
        except UnicodeDecodeError as error:
            raise _NotUTF8(f"not UTF-8 (invalid byte at offset {error.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _jsonl_lines(data: bytes) -> list[str | _Skip]:
    """The lines of a JSON Lines file; a line that is not UTF-8 is a `_Skip` saying so."""
    try:
        return list(_decode(data).split("\n"))
    except _NotUTF8:
        pass
    # Decoded line by line, so that only the lines at fault are lost. Line ends are found
    # as `_decode` finds them (a CR byte is never part of a multi-byte UTF-8 sequence).
    body = data.removeprefix(codecs.BOM_UTF8).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines: list[str | _Skip] = []
    for raw in body.split(b"\n"):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            lines.append(_Skip(f"not UTF-8 (invalid byte at offset {error.start} of the line)"))
    return lines


def _is_web_url(text: str) -> bool:
    """Whether `text` is an http(s) address that a link or an embed can carry."""
    if len(text) > URL_MAX_CHARS or " " in text or not text.isprintable():
        return False
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _field_text(key: str, value: object) -> str | None:
    """The text of a title or metadata field (None: absent or empty); raises `_Rejected`
    for a value that is not text, so it is never shown as a Python repr."""
    if value is None:
        return None
    if isinstance(value, _Rejected):
        raise value
    if isinstance(value, bool):
        raise _Rejected("true or false, not text (quote it)")
    if isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value
    elif isinstance(value, int) and key in ("title", "published"):
        text = str(value)  # a title such as 1984, a year
    elif isinstance(value, int | float):
        raise _Rejected("a number, not text (quote it)")
    elif key == "author" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(name for name in value if name.strip())
    elif isinstance(value, list):
        raise _Rejected("a list, not text")
    elif isinstance(value, dict):
        raise _Rejected("a mapping, not text")
    else:
        raise _Rejected(f"a {type(value).__name__}, not text")
    if not _encodes(text):
        raise _Rejected("holds a lone surrogate")
    text = normalize(text)
    if key == "url" and text and not _is_web_url(text):
        raise _Rejected("not an http(s) URL")
    return text or None


def _encodes(text: str) -> bool:
    """Whether `text` is text (JSON's "\\ud800" gives a lone surrogate, which is not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _read_fields(
    where: str, given: Mapping[str, object], keys: tuple[str, ...]
) -> tuple[dict[str, str], list[SkippedFile]]:
    """The text of each field in `keys` that `given` has, and a note for each dropped."""
    fields: dict[str, str] = {}
    notes: list[SkippedFile] = []
    for key in keys:
        try:
            text = _field_text(key, given.get(key))
        except _Rejected as rejected:
            notes.append(SkippedFile(where, f"field {key!r} dropped: {rejected}"))
            continue
        if text is not None:
            fields[key] = text
    return fields, notes


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
        raise _Skip("no title")
    cleaned = clean_body(title, body, markdown=markdown)
    if not cleaned.paragraphs:
        raise _Skip("no prose left after cleaning")
    # Metadata stated explicitly wins over what cleaning found in the text.
    metadata = {**cleaned.metadata, **fields}
    if not all(_encodes(value) for value in metadata.values()):
        raise _Skip("the text holds a lone surrogate")
    try:
        document = Document(
            id=doc_id, title=title, paragraphs=tuple(cleaned.paragraphs), source=source, **metadata
        )
    except UnicodeEncodeError:  # hashing the text met a lone surrogate (only JSON has them)
        raise _Skip("the text holds a lone surrogate") from None
    return [document, *notes]


_FRONT_MATTER = YAMLHandler()
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FRONT_MATTER_KEYS = frozenset(("title", *METADATA_KEYS))


def _front_matter(text: str) -> tuple[dict[str, object], str]:
    """The fields used from a text's YAML front matter, and the text after it.

    Split as python-frontmatter splits; the YAML is read here, at a bounded cost: the
    block's size is capped, and only the fields used are built, each from at most
    FIELD_MAX_NODES nodes. A field that cannot be built holds a `_Rejected`."""
    text = text.strip()
    if not _FRONT_MATTER.detect(text):
        return {}, text
    try:
        block, content = _FRONT_MATTER.split(text)
    except ValueError:  # no closing delimiter: not front matter
        return {}, text
    if len(block) > FRONT_MATTER_MAX_CHARS:
        raise _Skip(f"front matter over {FRONT_MATTER_MAX_CHARS:,} characters")
    loader = _YAML_LOADER(block)
    try:
        try:
            root = loader.get_single_node()  # nodes only: an alias is a reference here
        except yaml.YAMLError as error:
            problem = str(error).splitlines()[0]
            raise _Skip(f"front matter is not valid YAML: {problem}") from None
        except RecursionError:
            raise _Skip("front matter is not valid YAML: nested too deeply") from None
        fields: dict[str, object] = {}
        if isinstance(root, yaml.MappingNode):  # other front matter holds no fields
            for key_node, value_node in root.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
                if key in _FRONT_MATTER_KEYS and key_node.tag == "tag:yaml.org,2002:str":
                    fields[key] = _field_value(loader, value_node)
        return fields, content.strip()
    finally:
        loader.dispose()


def _field_value(loader: Any, node: yaml.Node) -> object:
    """The value of a front-matter field's node, or `_Rejected` saying why it has none."""
    count, pending = 0, [node]
    while pending:  # aliases are counted each time they are used: a bomb stops here
        count += 1
        if count > FIELD_MAX_NODES:
            return _Rejected(f"more than {FIELD_MAX_NODES:,} YAML nodes (aliases counted in full)")
        current = pending.pop()
        if isinstance(current, yaml.SequenceNode):
            pending.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            pending.extend(part for pair in current.value for part in pair)
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as error:
        problem = (str(error).splitlines() or [type(error).__name__])[0]
        return _Rejected(f"not a valid value: {problem}")


def _parse_text_file(
    text: str, doc_id: str, source: str, *, markdown: bool
) -> list[Document | SkippedFile]:
    given: Mapping[str, object] = {}
    body = text
    if text.lstrip().startswith("---"):
        given, body = _front_matter(text)
    fields, notes = _read_fields(source, given, ("title", *METADATA_KEYS))
    title = fields.pop("title", None)
    if title is None:
        lines = body.lstrip().split("\n", 1)
        title, body = lines[0], (lines[1] if len(lines) > 1 else "")
    return _make_document(
        doc_id, source, title, body, fields=fields, notes=notes, markdown=markdown
    )


def _parse_jsonl(
    lines: list[str | _Skip], doc_id: str, source: str
) -> Iterator[Document | SkippedFile]:
    for number, line in enumerate(lines, start=1):
        where = f"{source}:{number}"
        if isinstance(line, _Skip):
            yield SkippedFile(where, str(line))
            continue
        if not line.strip():
            continue
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
                raise _Skip("not a JSON object")
            title, body = record.get("title"), record.get("text")
            if not isinstance(title, str) or not isinstance(body, str):
                raise _Skip('needs string fields "title" and "text"')
            if not _encodes(title):
                raise _Skip("the title holds a lone surrogate")
            fields, notes = _read_fields(where, record, METADATA_KEYS)
            results = _make_document(
                f"{doc_id}:{number}", where, title, body, fields=fields, notes=notes, markdown=False
            )
        except _Skip as skip:
            results = [SkippedFile(where, str(skip))]
        yield from results


def _parse_file(data: bytes, relative: str, suffix: str) -> list[Document | SkippedFile]:
    """What a file's bytes hold: its documents, and what was skipped, in order."""
    doc_id = Path(relative).with_suffix("").as_posix()
    try:
        if suffix in JSONL_SUFFIXES:
            return list(_parse_jsonl(_jsonl_lines(data), doc_id, relative))
        return _parse_text_file(_decode(data), doc_id, relative, markdown=suffix != ".txt")
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
    kept in `Corpus.skipped`), as are bad JSONL lines and metadata fields dropped.
    Only a missing or unreadable folder raises `CorpusError`. With a `cache`, a
    file whose bytes are unchanged is not parsed again.
    """
    shown = _printable(str(folder))
    try:
        if not folder.exists():
            raise CorpusError(f"corpus folder not found: {shown}")
        if not folder.is_dir():
            raise CorpusError(f"corpus path is not a folder: {shown}")
        with os.scandir(folder):  # a folder that cannot be listed cannot be loaded
            pass
        resolved_root = folder.resolve()
    except (OSError, RuntimeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else error
        raise CorpusError(f"corpus folder cannot be read: {shown} ({reason})") from None

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

    for item in sorted(_candidate_files(folder, resolved_root), key=path_of):
        if isinstance(item, SkippedFile):
            skipped.append(item)
            continue
        relative = item.relative_to(folder).as_posix()
        try:
            results = _load_file(item, relative, max_file_bytes, cache)
        except Exception as error:  # a last guard: no one file may stop the load
            log.exception("unexpected error loading %s", relative)
            results = [SkippedFile(relative, f"could not be loaded ({type(error).__name__})")]
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


def _load_file(
    path: Path, relative: str, max_file_bytes: int, cache: FileCache | None
) -> list[Document | SkippedFile]:
    """What one file holds, from the cache when its bytes are unchanged."""
    try:
        data = _read_bytes(path, max_file_bytes)
    except _Skip as skip:
        return [SkippedFile(relative, str(skip))]
    results = cache.lookup(relative, data) if cache is not None else None
    if results is None:
        results = _parse_file(data, relative, path.suffix.lower())
        if cache is not None:
            cache.store(relative, results)
    return results
