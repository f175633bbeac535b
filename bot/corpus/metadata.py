"""The title and metadata fields of an article: text, or a reason to drop them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from urllib.parse import urlsplit

from bot.corpus.document import SkippedFile
from bot.search.analyzer import normalize

URL_MAX_CHARS = 2_048


class Rejected(Exception):
    """A metadata value that is not usable text; the message says why."""


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
    """The text of a title or metadata field (None: absent or empty); raises `Rejected`
    for a value that is not text, so it is never shown as a Python repr."""
    if value is None:
        return None
    if isinstance(value, Rejected):
        raise value
    if isinstance(value, bool):
        raise Rejected("true or false, not text (quote it)")
    if isinstance(value, datetime | date):
        text = value.isoformat()
    elif isinstance(value, str):
        text = value
    elif isinstance(value, int) and key in ("title", "published"):
        text = str(value)  # a title such as 1984, a year
    elif isinstance(value, int | float):
        raise Rejected("a number, not text (quote it)")
    elif key == "author" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        text = ", ".join(name for name in value if name.strip())
    elif isinstance(value, list):
        raise Rejected("a list, not text")
    elif isinstance(value, dict):
        raise Rejected("a mapping, not text")
    else:
        raise Rejected(f"a {type(value).__name__}, not text")
    if not encodes(text):
        raise Rejected("holds a lone surrogate")
    text = normalize(text)
    if key == "url" and text and not _is_web_url(text):
        raise Rejected("not an http(s) URL")
    return text or None


def encodes(text: str) -> bool:
    """Whether `text` is text (JSON's "\\ud800" gives a lone surrogate, which is not)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_fields(
    where: str, given: Mapping[str, object], keys: tuple[str, ...]
) -> tuple[dict[str, str], list[SkippedFile]]:
    """The text of each field in `keys` that `given` has, and a note for each dropped."""
    fields: dict[str, str] = {}
    notes: list[SkippedFile] = []
    for key in keys:
        try:
            text = _field_text(key, given.get(key))
        except Rejected as rejected:
            notes.append(SkippedFile(where, f"field {key!r} dropped: {rejected}"))
            continue
        if text is not None:
            fields[key] = text
    return fields, notes
