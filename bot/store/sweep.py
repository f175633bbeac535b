"""Tidying the cache folder: each corpus's cache names the corpus folder it caches, and
the caches of corpus folders that are gone are removed."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

log = logging.getLogger(__name__)

_CORPUS_MARKER = "corpus-folder.txt"  # in each corpus's cache: the folder it caches


def _read_marker(path: Path) -> str | None:
    """The corpus folder a cache's marker names (None: it has no marker); bytes that are
    not UTF-8 are kept as surrogate escapes. Raises OSError when it cannot be read."""
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None


def mark_and_sweep(folder: Path, corpus_dir: Path) -> None:
    """Mark `folder` as the cache of `corpus_dir`, and remove its siblings that cache a
    corpus folder that no longer exists. Never raises: tidying is never worth a fault."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        marker = folder / _CORPUS_MARKER
        if _read_marker(marker) != str(corpus_dir):  # missing or damaged
            marker.write_text(str(corpus_dir), encoding="utf-8", errors="surrogateescape")
        siblings = list(folder.parent.iterdir())
    except (OSError, ValueError) as error:
        log.warning("cannot tidy the cache folder %s: %s", folder.parent, error)
        return
    for sibling in siblings:
        source = sibling / _CORPUS_MARKER
        try:
            if sibling == folder or not source.is_file():
                continue  # not a corpus cache of ours: never touched
            corpus = _read_marker(source)
            if corpus is not None and Path(corpus).exists():
                continue
        except (OSError, ValueError) as error:  # left alone: tidying is never worth a fault
            log.warning("cannot read the cache marker %s: %s", source, error)
            continue
        shutil.rmtree(sibling, ignore_errors=True)
