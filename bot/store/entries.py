"""How the cache keeps the parsed corpus files, and reads them and the analysis its stored
index holds back, checked, as container meta and arrays (`bot.store.container`)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bot.corpus import Document, Listing, SkippedFile
from bot.search.analysis import Analysis
from bot.search.snapshot import decode_vocabulary
from bot.store.container import Arrays, Meta

_DOCUMENT_FIELDS = ("id", "title", "source", "publisher", "author", "url", "published")


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A corpus file as a load found it: what parsing its bytes gave."""

    digest: str
    """SHA-256 of its bytes."""
    results: list[Document | SkippedFile]
    size: int
    mtime_ns: int
    """Its size and modification time when it was read: unchanged, they spare reading it."""


FileResults = dict[str, StoredFile]
"""Relative path -> the file, in reading order."""


def encode_files(files: FileResults, meta: Meta) -> tuple[Meta, Arrays]:
    """The files, and `meta` (a mapping) with them."""
    # Compact rows: ["skip", path, reason] or [paragraph count, content hash, *fields].
    items: list[list[Any]] = []
    paragraphs: list[str] = []
    listing: list[list[Any]] = []
    for relative, stored in files.items():
        listing.append([relative, stored.digest, len(stored.results), stored.size, stored.mtime_ns])
        for result in stored.results:
            if isinstance(result, SkippedFile):
                items.append(["skip", result.path, result.reason])
            else:
                fields = [getattr(result, name) for name in _DOCUMENT_FIELDS]
                items.append([len(result.paragraphs), result.content_hash, *fields])
                paragraphs.extend(result.paragraphs)
    meta = {**meta, "files": listing, "results": items}
    if any("\n" in paragraph for paragraph in paragraphs):  # never from files: normalized
        ends = np.cumsum([len(p) for p in paragraphs], dtype=np.int64)
        text = np.frombuffer("".join(paragraphs).encode(), dtype=np.uint8)
        return meta, {"text": text, "ends": ends}
    meta["lines"] = len(paragraphs)  # one paragraph a line: split at C speed when read
    # Encoded into one buffer as it grows: joining first would hold the text twice more.
    encoded = bytearray()
    for paragraph in paragraphs:
        encoded += paragraph.encode()
        encoded += b"\n"
    return meta, {"text": np.frombuffer(encoded, dtype=np.uint8)[:-1]}


def _paragraphs(meta: Meta, arrays: Arrays) -> list[str]:
    text = arrays["text"].tobytes().decode()
    if "lines" in meta:
        lines = text.split("\n") if meta["lines"] else []
        if len(lines) != meta["lines"]:
            raise ValueError("paragraph count does not match the text")
        return lines
    ends = arrays["ends"].tolist()
    if (ends[-1] if ends else 0) != len(text):
        raise ValueError("paragraph offsets do not match the text")
    return [text[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


def decode_files(meta: Meta, arrays: Arrays) -> FileResults:
    """What `encode_files` encoded; raises KeyError, TypeError, ValueError or IndexError
    for an entry of another shape."""
    all_paragraphs = _paragraphs(meta, arrays)
    rows = iter(meta["results"])
    files: FileResults = {}
    cursor = 0
    for relative, digest, result_count, size, mtime_ns in meta["files"]:
        results: list[Document | SkippedFile] = []
        for _ in range(int(result_count)):
            item = next(rows, None)
            if item is None:
                raise ValueError("fewer results than the files list")
            if item[0] == "skip":
                _, path, reason = item
                results.append(SkippedFile(str(path), str(reason)))
                continue
            count, content_hash, doc_id, title, source, publisher, author, url, published = item
            paragraphs = tuple(all_paragraphs[cursor : cursor + count])
            cursor += count
            results.append(
                Document(
                    doc_id,
                    title,
                    paragraphs,
                    source,
                    publisher,
                    author,
                    url,
                    published,
                    content_hash,
                )
            )
        files[str(relative)] = StoredFile(str(digest), results, int(size), int(mtime_ns))
    if cursor != len(all_paragraphs) or next(rows, None) is not None:
        raise ValueError("paragraph or result count does not match")
    return files


def decode_analysis(meta: Meta, arrays: Arrays) -> Analysis:
    analysis = Analysis(
        vocabulary=decode_vocabulary(arrays["vocabulary"]),
        tokens=arrays["tokens"].astype(np.int32, copy=False),
        sentence_tokens=arrays["sentence_tokens"].astype(np.int64, copy=False),
        paragraph=arrays["paragraph"].astype(np.int32, copy=False),
        start=arrays["start"].astype(np.int32, copy=False),
        end=arrays["end"].astype(np.int32, copy=False),
        document_sentences=arrays["document_sentences"].astype(np.int64, copy=False),
        normalized=tuple((int(d), int(p), str(text)) for d, p, text in meta["normalized"]),
    )
    sentences, tokens = analysis.sentences, len(analysis.tokens)
    consistent = (
        len(analysis.sentence_tokens) == sentences + 1
        and len(analysis.start) == len(analysis.end) == sentences
        and int(analysis.sentence_tokens[-1]) == tokens
        and int(analysis.document_sentences[-1]) == sentences
        and (tokens == 0 or int(analysis.tokens.max()) < len(analysis.vocabulary))
    )
    if not consistent:
        raise ValueError("arrays do not fit together")
    return analysis


def encode_hashes(hashes: list[str]) -> np.ndarray[Any, np.dtype[np.uint8]]:
    """Documents' content hashes (hexadecimal, which never holds a line break) as one
    array: a large corpus's hashes stay out of the JSON header, which is read at every
    start, and are decoded only when a rebuild needs them."""
    return np.frombuffer("\n".join(hashes).encode("ascii"), dtype=np.uint8)


def decode_hashes(array: np.ndarray[Any, Any]) -> list[str]:
    text = array.tobytes().decode("ascii")
    return text.split("\n") if text else []


def _digest(listing: Listing) -> str:
    """A hash of a listing: the files' paths (no path holds a NUL), sizes and times taken
    as columns, at C speed (a reload saves the listing of every file of the corpus)."""
    paths = listing.paths[1:]  # joined by NULs, none before the first
    digest = hashlib.sha256(f"{len(listing.relatives)} files, {len(paths)} bytes\n".encode())
    digest.update(paths)
    digest.update(listing.sizes.astype("<i8").tobytes())
    digest.update(listing.mtimes_ns.astype("<i8").tobytes())
    passed_over = "\n".join(f"{item.path}\0{item.reason}" for item in listing.passed_over)
    digest.update(passed_over.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _newest(listing: Listing) -> int:
    return int(listing.mtimes_ns.max()) if len(listing.mtimes_ns) else 0


def encode_listing(
    listing: Listing, skipped: Sequence[SkippedFile], read_from_ns: int, max_article_bytes: int
) -> Meta:
    """What a load that began at `read_from_ns` listed (a hash of it) and skipped."""
    return {
        "read_from_ns": read_from_ns,
        "max_article_bytes": max_article_bytes,
        "listing": _digest(listing),
        "skipped": [[item.path, item.reason] for item in skipped],
    }


def decode_listing(
    meta: Meta, listing: Listing, max_article_bytes: int
) -> tuple[str, tuple[SkippedFile, ...]] | None:
    """The key and skipped files `meta` holds when it is of this same `listing` and limit,
    every file last changed well before that load began; else None. Raises KeyError,
    TypeError or ValueError for a meta of another shape."""
    # Trusting size and time alone is safe only for a file last changed well before the
    # load began (see CorpusCache.unchanged).
    if (
        meta["max_article_bytes"] != max_article_bytes
        or _newest(listing) >= int(meta["read_from_ns"]) - 2_000_000_000
        or meta["listing"] != _digest(listing)
    ):
        return None
    skipped = tuple(SkippedFile(str(path), str(reason)) for path, reason in meta["skipped"])
    return str(meta["key"]), skipped
