"""Finding the files of a corpus folder, reading their bytes, decoding them to text."""

from __future__ import annotations

import codecs
import errno
import hashlib
import operator
import os
import stat
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np
import numpy.typing as npt

from bot.corpus.document import Listing, Skip, SkippedFile, name_suffix
from bot.workers import available_cores, in_threads

try:  # compiled by setup.py where a C compiler is at hand
    from bot.corpus import _status
except ImportError:  # pragma: no cover - depends on how the package was built
    _status = None  # type: ignore[assignment]

TEXT_SUFFIXES = frozenset({".md", ".markdown", ".txt"})
JSONL_SUFFIXES = frozenset({".jsonl"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | JSONL_SUFFIXES

IntArray = npt.NDArray[np.int64]


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


def _link_problem(path: Path, resolved_root: Path, *, is_link: bool | None = None) -> str | None:
    """Why the symlink at `path` is not followed, or None (not a symlink, or one within the
    folder). `is_link`: whether it is one, when already known. Raises OSError when `path`
    cannot be looked at."""
    if not (path.is_symlink() if is_link is None else is_link):
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


def _file_status(path: str, name: str, resolved_root: Path) -> os.stat_result | str:
    """A file's status, or why it is passed over. One system call for a regular file, and
    no Path object: a corpus of many files is listed again at every reload."""
    problem = _name_problem(name, "file")
    suffix = name_suffix(name)
    if problem is None and suffix.lower() not in SUPPORTED_SUFFIXES:
        problem = f"unsupported file type {suffix or '(none)'!r}"
    if problem is not None:
        return problem
    try:
        status = os.lstat(path)
        if stat.S_ISLNK(status.st_mode):
            problem = _link_problem(Path(path), resolved_root, is_link=True)
            if problem is not None:
                return problem
            status = os.stat(path)
    except FileNotFoundError:  # a symlink whose target is gone
        return "not a regular file (or a broken symlink)"
    except OSError as error:
        return f"unreadable: {error.strerror or error}"
    if not stat.S_ISREG(status.st_mode):
        return "not a regular file (or a broken symlink)"
    return status


def candidate_files(root: Path, resolved_root: Path) -> Listing:
    """Every file under `root` worth a look, and the paths passed over with the reason."""
    found = _Found()
    pending = [(str(root), "")]  # folders to list, and their paths' prefix
    while pending:
        # A level of folders at a time, listed by the cores together.
        level, pending = pending, []
        listed = in_threads(_entries_or_error, [folder for folder, _ in level], available_cores())
        for (folder, prefix), entries in zip(level, listed, strict=True):
            if isinstance(entries, OSError):
                reason = f"unreadable folder: {entries.strerror or entries}"
                found.pass_over(prefix[:-1] or ".", reason)
            else:
                pending.extend(_sort_out(folder, prefix, entries, resolved_root, found))
    return found.listing()


def _sort_out(
    folder: str, prefix: str, entries: FolderEntries, resolved_root: Path, found: _Found
) -> list[tuple[str, str]]:
    """The `entries` of `folder` (its paths start with `prefix`) added to what is
    `found`; the subfolders to enter, with their prefixes."""
    folders, files, sizes, times, others = entries
    found.add(prefix, files, sizes, times)
    inside = os.path.join(folder, "")
    subfolders = []
    for name in folders:
        path = inside + name
        if (problem := _folder_problem(Path(path), name, resolved_root)) is not None:
            found.pass_over(prefix + name, problem)
        else:
            subfolders.append((path, prefix + name + "/"))
    for name in others:  # looked at one by one, to say why each is passed over
        path = inside + name
        if os.path.isdir(path):  # a symlink to a folder: never entered
            if (problem := _folder_problem(Path(path), name, resolved_root)) is not None:
                found.pass_over(prefix + name, problem)
            continue
        looked = _file_status(path, name, resolved_root)
        if isinstance(looked, str):
            found.pass_over(prefix + name, looked)
        else:
            found.add(prefix, [name], np.array([looked.st_size]), np.array([looked.st_mtime_ns]))
    return subfolders


@dataclass(frozen=True, slots=True)
class _Found:
    """What a listing has found so far."""

    relatives: list[str] = field(default_factory=list)
    sizes: list[IntArray] = field(default_factory=list)
    times: list[IntArray] = field(default_factory=list)
    passed_over: list[SkippedFile] = field(default_factory=list)

    def add(self, prefix: str, names: list[str], sizes: IntArray, times: IntArray) -> None:
        self.relatives.extend([prefix + name for name in names])
        self.sizes.append(sizes.astype(np.int64, copy=False))
        self.times.append(times.astype(np.int64, copy=False))

    def pass_over(self, path: str, reason: str) -> None:
        self.passed_over.append(SkippedFile(printable(path), reason))

    def listing(self) -> Listing:
        """The listing, in reading order: by path."""
        relatives = self.relatives
        sizes = np.concatenate([_NO_NUMBERS, *self.sizes])
        times = np.concatenate([_NO_NUMBERS, *self.times])
        order = np.array(sorted(range(len(relatives)), key=relatives.__getitem__), np.int64)
        if (np.diff(order) != 1).any():
            relatives = [relatives[at] for at in order.tolist()]
            sizes, times = sizes.take(order), times.take(order)
        passed_over = sorted(self.passed_over, key=_skipped_path)
        return Listing(tuple(relatives), sizes, times, tuple(passed_over))


def _entries_or_error(folder: str) -> FolderEntries | OSError:
    try:
        return _folder_entries(folder, _SUFFIXES)
    except OSError as error:
        return error


_NO_NUMBERS = np.zeros(0, dtype=np.int64)
_SUFFIXES = tuple(sorted(SUPPORTED_SUFFIXES))
_skipped_path: Callable[[SkippedFile], str] = operator.attrgetter("path")

FolderEntries = tuple[list[str], list[str], IntArray, IntArray, list[str]]


def folder_entries(folder: str, suffixes: tuple[str, ...]) -> FolderEntries:
    """The entries of `folder` whose names do not start with a dot: its folders (not
    symlinks), its regular files with a plain name (printable ASCII, ending in one of
    `suffixes`, lower case, in any case) with their sizes and modification times (ns) as
    two int64 arrays, and every other name. Raises OSError when the folder cannot be
    listed. `bot.corpus._status` is this, compiled."""
    folders: list[str] = []
    files: list[str] = []
    sizes: list[int] = []
    times: list[int] = []
    others: list[str] = []
    with os.scandir(folder) as entries:
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append(name)
                    continue
                if _plain(name, suffixes) and entry.is_file(follow_symlinks=False):
                    status = entry.stat(follow_symlinks=False)
                    if stat.S_ISREG(status.st_mode):
                        files.append(name)
                        sizes.append(status.st_size)
                        times.append(status.st_mtime_ns)
                        continue
            except OSError:  # gone, or cannot be looked at: looked at again
                pass
            others.append(name)
    return folders, files, np.array(sizes, np.int64), np.array(times, np.int64), others


_folder_entries = folder_entries if _status is None else _status.folder_entries


def _plain(name: str, suffixes: tuple[str, ...]) -> bool:
    """Whether a file name is printable ASCII ending in one of `suffixes` in any case (as
    `_file_status` finds its suffix: none of them holds a second dot)."""
    return name.isascii() and name.isprintable() and name.lower().endswith(suffixes)


def _over_limit(size: int, max_article_bytes: int) -> Skip:
    return Skip(f"{size:,} bytes, over the max_article_bytes limit of {max_article_bytes:,}")


def read_bytes(path: Path, max_article_bytes: int, size: int | None = None) -> bytes:
    """The bytes of a file that holds one article (`size`: its size, when known)."""
    try:
        size = path.stat().st_size if size is None else size
        if size > max_article_bytes:
            raise _over_limit(size, max_article_bytes)
        return path.read_bytes()
    except OSError as error:
        raise Skip(f"unreadable: {error.strerror or error}") from None


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in blocks (a news dump may not fit in memory)."""
    try:
        with path.open("rb") as file:
            return hashlib.file_digest(file, "sha256").hexdigest()
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
            raise Skip(f"not UTF-8 (invalid byte at offset {error.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


# How much of a JSON Lines file is looked at for NUL bytes: a binary file is skipped
# whole, not reported line by line.
_SNIFF_BYTES = 8192
# Bytes read at a time while passing over a line that is over the limit.
_BLOCK = 1 << 18


def jsonl_lines(
    path: Path, max_article_bytes: int, digest: Hash | None = None
) -> Iterator[tuple[int, str | Skip]]:
    """The numbered lines of a JSON Lines file, read as a stream: memory holds one line
    at a time, never the file. A line over `max_article_bytes` or not in UTF-8 is a
    `Skip` saying so. Raises `Skip` for a file that cannot be read at all. `digest` is
    updated with every byte read."""
    try:
        with path.open("rb") as file:
            head = file.read(_SNIFF_BYTES)
            for mark, _ in _BYTE_ORDER_MARKS:
                if head.startswith(mark):  # UTF-16 or UTF-32: rare, read whole
                    data = head + file.read()
                    if digest is not None:
                        digest.update(data)
                    yield from enumerate(decode(data).split("\n"), start=1)
                    return
            if b"\x00" in head:
                raise Skip("binary file (contains NUL bytes)")
            file.seek(0)
            yield from _numbered_lines(file, max_article_bytes, digest)
    except OSError as error:
        raise Skip(f"unreadable: {error.strerror or error}") from None


class Hash(Protocol):
    def update(self, data: bytes, /) -> None: ...


def _numbered_lines(
    file: BinaryIO, max_article_bytes: int, digest: Hash | None
) -> Iterator[tuple[int, str | Skip]]:
    number = 0
    first = True
    update = digest.update if digest is not None else _ignore
    while raw := file.readline(max_article_bytes + 2):  # + 2: room for a CR LF ending
        update(raw)
        if first:
            raw, first = raw.removeprefix(codecs.BOM_UTF8), False
        if not raw.endswith(b"\n") and len(raw) > max_article_bytes:
            size = len(raw) + _pass_line(file, update)
            number += 1
            yield number, _over_limit(size, max_article_bytes)
            continue
        # Line ends as `decode` reads them: LF, CR LF or a lone CR (a CR byte is never
        # part of a multi-byte UTF-8 sequence).
        for line in raw.removesuffix(b"\n").removesuffix(b"\r").split(b"\r"):
            number += 1
            if len(line) > max_article_bytes:
                yield number, _over_limit(len(line), max_article_bytes)
                continue
            try:
                yield number, line.decode("utf-8")
            except UnicodeDecodeError as error:
                yield number, Skip(f"not UTF-8 (invalid byte at offset {error.start} of the line)")


def _ignore(data: bytes, /) -> None:
    pass


def _pass_line(file: BinaryIO, update: Callable[[bytes], None]) -> int:
    """Read past the rest of the current line; how many bytes it had, its end not counted."""
    passed = 0
    while block := file.readline(_BLOCK):
        update(block)
        if block.endswith(b"\n"):
            return passed + len(block.removesuffix(b"\n").removesuffix(b"\r"))
        passed += len(block)
    return passed
