"""Several bot processes, on one machine or many, serving one corpus version together.

Each process runs a `Cluster` next to its corpus. It registers itself in the shared
database (bot.store.cluster), beats every `heartbeat_seconds`, and watches the corpus
version every process should serve: PostgreSQL wakes it with LISTEN/NOTIFY, SQLite is
polled. When a new version is announced it loads the corpus (from the shared cache
folder: the built index is read, not built again) and swaps it in through the callback
the bot gives; when its folder gives another version than the one announced (another
machine with a stale copy, other settings) it keeps what it serves, logs an error and
says "stale corpus" in the registry rather than serving a mixed version.

A reload (`Cluster.reload`, the /reload command) takes the build lock, or waits for the
build another process is running and takes its result; builds; records and announces
the version; then waits, up to a deadline, for the live processes to act on it and says
how many serve it. Nothing here imports discord: the bot wires it (see the README).
"""

from bot.cluster.fingerprint import folder_fingerprint
from bot.cluster.service import Cluster, ClusterReload

__all__ = ["Cluster", "ClusterReload", "folder_fingerprint"]
