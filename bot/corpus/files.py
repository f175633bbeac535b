"""Finding the files of a corpus folder, reading their bytes, decoding them to text."""

from __future__ import annotations

import codecs
import errno
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path

from bot.corpus.document import Skip, SkippedFile

TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
JSONL_SUFFIXES = frozenset({".jsonl"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | JSONL_SUFFIXES


class _NotUTF8(Skip):
    """The bytes are not UTF-8 (a JSON Lines file is then read line by line)."""


def printable(text: str) -> str:
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


def candidate_files(root: Path, resolved_root: Path) -> Iterator[Path | SkippedFile]:
    """Every file under `root` worth a look, or the reason a path is passed over, folder by
    folder (each folder's entries sorted; the loader sorts the whole)."""
    unlisted: list[SkippedFile] = []

    def cannot_list(error: OSError) -> None:  # os.walk passes over such a folder silently
        where = Path(error.filename) if error.filename else root
        relative = where.relative_to(root).as_posix() if where.is_relative_to(root) else where
        reason = f"unreadable folder: {error.strerror or error}"
        unlisted.append(SkippedFile(printable(str(relative)), reason))

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
                yield SkippedFile(printable(path.relative_to(root).as_posix()), problem)
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = base / name
            if (problem := _file_problem(path, name, resolved_root)) is not None:
                yield SkippedFile(printable(path.relative_to(root).as_posix()), problem)
            else:
                yield path
    yield from unlisted


def read_bytes(path: Path, max_file_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size > max_file_bytes:
            raise Skip(f"{size:,} bytes, over the max_file_bytes limit of {max_file_bytes:,}")
        return path.read_bytes()
    except OSError as error:
        raise Skip(f"unreadable: {error.strerror or error}") from None


# A byte-order mark says the encoding; UTF-32's are checked first (they begin with UTF-16's).
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode(data: bytes) -> str:
    for mark, encoding in _BYTE_ORDER_MARKS:
        if data.startswith(mark):  # UTF-16 or UTF-32 text: its NUL bytes are part of it
            try:
                text = data.decode(encoding)  # the mark gives the byte order and is dropped
            except UnicodeDecodeError as error:
                name = encoding.upper()
                raise Skip(f"not valid {name} (bad data at offset {error.start})") from None
            if not text.strip():
                raise Skip("empty file")
            if "\x00" in text:
                raise Skip("binary file (contains NUL characters)")
            break
    else:
        if not data.strip():
            raise Skip("empty file")
        if b"\x00" in data:
            raise Skip("binary file (contains NUL bytes)")
        try:
            text = data.decode("utf-8-sig")  # a byte-order mark is not part of the text
        except UnicodeDecodeError as error:
            raise _NotUTF8(f"not UTF-8 (invalid byte at offset {error.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def jsonl_lines(data: bytes) -> list[str | Skip]:
    """The lines of a JSON Lines file; a line that is not UTF-8 is a `Skip` saying so."""
    try:
        return list(decode(data).split("\n"))
    except _NotUTF8:
        pass
    # Decoded line by line, so that only the lines at fault are lost. Line ends are found
    # as `decode` finds them (a CR byte is never part of a multi-byte UTF-8 sequence).
    body = data.removeprefix(codecs.BOM_UTF8).replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    lines: list[str | Skip] = []
    for raw in body.split(b"\n"):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as error:
            lines.append(Skip(f"not UTF-8 (invalid byte at offset {error.start} of the line)"))
    return lines
