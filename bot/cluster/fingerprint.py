"""Which files a corpus folder holds, in one short hash: two processes whose folders hash
alike read the same files (see bot.cluster.service)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bot.corpus.document import Listing
from bot.corpus.files import candidate_files
from bot.pipeline import LoadedCorpus


def folder_fingerprint(corpus_dir: Path) -> str:
    """A short hash of the files a load of `corpus_dir` reads: their relative paths, sizes
    and modification times (no file is read). Equal on two machines: the same files;
    different: they differ, or were copied without their times (the version, a hash of
    the documents, then decides)."""
    try:
        resolved = corpus_dir.resolve()
    except (OSError, RuntimeError):
        resolved = corpus_dir.absolute()
    return _fingerprint(candidate_files(corpus_dir, resolved))


def corpus_fingerprint(loaded: LoadedCorpus) -> str:
    """`folder_fingerprint` of the files a load read, from its listing: no second walk of
    a large folder at each reload."""
    listing = loaded.corpus.listing
    if not listing.relatives and not listing.passed_over:
        return folder_fingerprint(loaded.corpus.folder)
    return _fingerprint(listing)


def _fingerprint(listing: Listing) -> str:
    files = zip(listing.relatives, listing.sizes.tolist(), listing.mtimes_ns.tolist(), strict=True)
    digest = hashlib.sha256()
    for relative, size, mtime_ns in sorted(files):
        digest.update(f"{relative}\0{size}\0{mtime_ns}\0".encode())
    return digest.hexdigest()[:16]
