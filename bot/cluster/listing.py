"""`python -m bot cluster`: the registered processes as a table or JSON, stale ones flagged.

A process is flagged when it is live but does not serve the cluster's corpus version (a
stale corpus, or a load under way); one gone (no heartbeat for 3 of its heartbeats) is
listed as gone, until its row is forgotten a day later.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.store.cluster import STALE_CORPUS, ClusterStore, CorpusRecord, ProcessRow
from bot.store.database import StorageError, sqlite_path

COLUMNS = ("HOST", "PID", "SHARDS", "VERSION", "HEARTBEAT", "STATE")


def read(url: str) -> tuple[CorpusRecord | None, list[ProcessRow]]:
    """The cluster's version and processes, read without writing anything (the bots are
    running on the database). Raises StorageError, one line, when it cannot be read."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        raise StorageError(f"no cluster yet: {path} does not exist (the bot creates it)")
    store = ClusterStore.open(url, read_only=True)
    try:
        if not store.has_tables():  # no bot of this version has opened it yet
            return None, []
        return store.record(), store.processes()
    finally:
        store.close()


def flag(row: ProcessRow, record: CorpusRecord | None) -> str | None:
    """Why `row` is worth a look (one line), or None for a live process serving the
    cluster's version."""
    process = row.process
    if not row.live:
        return f"gone (no heartbeat for {age(row.age)})"
    if process.state == STALE_CORPUS:
        return f"STALE CORPUS: {process.problem}"
    if record is not None and process.corpus_version != record.version:
        return f"not serving the cluster's version ({process.state})"
    return None


def flagged(record: CorpusRecord | None, rows: list[ProcessRow]) -> list[ProcessRow]:
    """The live processes that do not serve the cluster's version."""
    return [row for row in rows if row.live and flag(row, record) is not None]


def listing(url: str, *, as_json: bool) -> tuple[str, bool]:
    """The listing of the database at `url`, and whether a live process is flagged."""
    record, rows = read(url)
    text = json.dumps(as_dict(record, rows), ensure_ascii=False, indent=2) if as_json else None
    return text or "\n".join(as_lines(record, rows)), bool(flagged(record, rows))


def as_lines(record: CorpusRecord | None, rows: list[ProcessRow]) -> list[str]:
    if record is None:
        lines = ["corpus version: none recorded (no bot process has started on it)"]
    else:
        built_at = datetime.fromtimestamp(record.built_at, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        lines = [f"corpus version {record.version}, built by {record.built_by} at {built_at}"]
    if not rows:
        return [*lines, "no process registered"]
    table = [COLUMNS]
    table += [
        (
            row.process.host,
            str(row.process.pid),
            shards(row),
            row.process.corpus_version,
            f"{age(row.age)} ago",
            flag(row, record) or row.process.state,
        )
        for row in rows
    ]
    widths = [max(len(line[column]) for line in table) for column in range(len(COLUMNS) - 1)]
    for line in table:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        lines.append("  ".join([*cells, line[-1]]))
    live = sum(1 for row in rows if row.live)
    problems = len(flagged(record, rows))
    lines.append(
        f"{len(rows)} registered, {live} live, {live - problems} serving the cluster's version, "
        f"{problems} flagged, {len(rows) - live} gone"
    )
    return lines


def as_dict(record: CorpusRecord | None, rows: list[ProcessRow]) -> dict[str, object]:
    return {
        "corpus_version": None
        if record is None
        else {
            "version": record.version,
            "built_by": record.built_by,
            "built_at": record.built_at,
            "sequence": record.sequence,
        },
        "processes": [
            {
                "host": row.process.host,
                "pid": row.process.pid,
                "shard_ids": None if row.process.shard_ids is None else list(row.process.shard_ids),
                "corpus_version": row.process.corpus_version,
                "fingerprint": row.process.fingerprint,
                "state": row.process.state,
                "problem": row.process.problem,
                "heartbeat_age_seconds": round(row.age, 1),
                "live": row.live,
                "flag": flag(row, record),
            }
            for row in rows
        ],
    }


def shards(row: ProcessRow) -> str:
    ids = row.process.shard_ids
    return "all" if ids is None else ",".join(str(shard) for shard in ids)


def age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
