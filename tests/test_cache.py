"""The cache of analysed corpora: warm loads give the same index, damage is never trusted,
and a reload analyses only what changed."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import struct
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

import bot.store.cache
from bot.cli import main
from bot.corpus import READER_VERSION, load_corpus
from bot.pipeline import LoadedCorpus, bm25_params, load_index
from bot.search.index import Index, Ranking, build_index
from bot.settings import Settings
from bot.store.cache import CorpusCache, code_version
from bot.store.container import (
    FORMAT,
    CacheProblem,
    Streamed,
    map_container,
    read_container,
    verify_container,
    write_container,
)

QUESTIONS = [
    "who led the Chinese delegation?",
    "What did the defense ministers discuss?",
    "When did the talks take place?",
    "zebra giraffe",
]


@pytest.fixture
def corpus_dir(tmp_path: Path, repo_root: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(repo_root / "corpus", folder)
    return folder


@pytest.fixture
def settings(corpus_dir: Path, tmp_path: Path) -> Settings:
    return Settings(corpus_dir=corpus_dir, cache_dir=tmp_path / "cache")


def results(index: Index) -> list[list[tuple[str, int, str, float, frozenset[str], float]]]:
    return [
        [
            (
                h.sentence.document.id,
                h.sentence.position,
                h.sentence.text,
                h.score,
                h.matched,
                h.coverage,
            )
            for h in index.search(question, 12)
        ]
        for question in QUESTIONS
    ]


def fresh(settings: Settings) -> Index:
    """The index built without any cache, for comparison."""
    corpus = load_corpus(settings.corpus_dir, max_article_bytes=settings.max_article_bytes)
    params = bm25_params(settings)
    ranking = Ranking(paragraph_weight=settings.paragraph_weight)
    return build_index(corpus.documents, params, ranking)


def cache_folder(settings: Settings) -> Path:
    return CorpusCache.open(
        settings.cache_dir, settings.corpus_dir, settings.max_article_bytes
    ).folder


def assert_same_index(a: Index, b: Index) -> None:
    assert a.version == b.version
    assert tuple(a.documents) == tuple(b.documents)
    assert list(a.sentences) == list(b.sentences)
    assert [a.sentences_of(d.id) for d in a.documents] == [
        b.sentences_of(d.id) for d in b.documents
    ]
    assert results(a) == results(b)


# --- warm loads ----------------------------------------------------------------------------


def test_a_warm_cache_gives_the_identical_index_without_parsing_or_analysing(
    settings: Settings,
) -> None:
    cold = load_index(settings)
    assert cold.cache is not None
    assert cold.cache.files_parsed == 3 and cold.cache.files_from_cache == 0
    assert cold.cache.documents_analysed == 3 and not cold.cache.index_from_cache

    warm = load_index(settings)
    assert warm.cache is not None
    assert (warm.cache.files_parsed, warm.cache.files_from_cache) == (0, 3)
    assert warm.cache.documents_analysed == 0
    assert warm.cache.index_from_cache
    assert warm.cache.rejected == []
    assert tuple(warm.corpus.documents) == tuple(cold.corpus.documents)
    assert_same_index(warm.index, cold.index)
    assert_same_index(warm.index, fresh(settings))


def test_skipped_files_are_reported_the_same_from_the_cache(
    settings: Settings, corpus_dir: Path
) -> None:
    (corpus_dir / "broken.txt").write_bytes(b"\xff\xfe not utf-8")
    (corpus_dir / "dump.jsonl").write_text(
        '{"title": "A dump", "text": "The harbour crane lifted ships."}\nnot json\n'
    )
    cold = load_index(settings)
    warm = load_index(settings)
    assert warm.cache is not None and warm.cache.files_from_cache == 5
    assert warm.corpus.skipped == cold.corpus.skipped
    assert [s.path for s in warm.corpus.skipped] == ["broken.txt", "dump.jsonl:2"]


def test_bm25_parameters_do_not_invalidate_the_analysis(settings: Settings) -> None:
    first = load_index(settings)
    tuned_settings = settings.model_copy(update={"bm25_k1": 1.5, "bm25_b": 0.75})
    tuned = load_index(tuned_settings)
    assert tuned.cache is not None and tuned.cache.index_from_cache
    assert tuned.index.version != first.index.version  # the parameters are in the version
    assert_same_index(tuned.index, fresh(tuned_settings))


# --- what changed is analysed again ---------------------------------------------------------


def test_a_changed_file_is_analysed_again_and_the_others_come_from_the_cache(
    settings: Settings, corpus_dir: Path
) -> None:
    load_index(settings)
    changed = sorted(corpus_dir.glob("*.md"))[0]
    front_matter, body = changed.read_text(encoding="utf-8").split("---\n", 2)[1:]
    added = "The harbour crane lifted three ships.\n\n"
    changed.write_text(f"---\n{front_matter}---\n{added}{body}", encoding="utf-8")
    reloaded = load_index(settings)
    assert reloaded.cache is not None
    assert (reloaded.cache.files_parsed, reloaded.cache.files_from_cache) == (1, 2)
    assert (reloaded.cache.documents_analysed, reloaded.cache.documents_from_cache) == (1, 2)
    assert not reloaded.cache.index_from_cache
    assert_same_index(reloaded.index, fresh(settings))
    [hit] = reloaded.index.search("harbour crane", 1)
    assert hit.sentence.text == "The harbour crane lifted three ships."

    again = load_index(settings)
    assert again.cache is not None and again.cache.index_from_cache


def test_in_a_changed_jsonl_file_only_the_changed_article_is_analysed(
    settings: Settings, corpus_dir: Path
) -> None:
    lines = [
        {"title": f"Report {n}", "text": f"The {word} council met on Monday about {word} roads."}
        for n, word in enumerate(["harbour", "forest", "valley", "castle"])
    ]
    dump = corpus_dir / "dump.jsonl"
    dump.write_text("".join(json.dumps(line) + "\n" for line in lines))
    load_index(settings)
    lines[2]["text"] = "The valley council closed the bridge for repairs."
    dump.write_text("".join(json.dumps(line) + "\n" for line in lines))

    reloaded = load_index(settings)
    assert reloaded.cache is not None
    assert (reloaded.cache.files_parsed, reloaded.cache.files_from_cache) == (1, 3)
    assert (reloaded.cache.documents_analysed, reloaded.cache.documents_from_cache) == (1, 6)
    assert_same_index(reloaded.index, fresh(settings))


def shards(settings: Settings) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (cache_folder(settings) / "parsed").iterdir()}


def test_a_removed_file_leaves_the_index_and_the_cache(
    settings: Settings, corpus_dir: Path
) -> None:
    load_index(settings)
    before = shards(settings)
    assert 1 <= len(before) <= 3  # one shard for each file at most
    assert (cache_folder(settings) / "index.bin").is_file()
    removed = sorted(corpus_dir.glob("*.md"))[0]
    removed.unlink()
    reloaded = load_index(settings)
    after = shards(settings)
    assert sum(before.get(name) != data for name, data in after.items()) <= 1
    assert len(after) >= len(before) - 1
    assert reloaded.cache is not None and reloaded.cache.documents_analysed == 0
    assert len(reloaded.index.documents) == 2
    assert_same_index(reloaded.index, fresh(settings))
    again = load_index(settings)
    assert again.cache is not None and again.cache.index_from_cache
    assert (again.cache.files_parsed, again.cache.files_from_cache) == (0, 2)


def test_a_cache_of_one_entry_a_file_is_replaced(settings: Settings) -> None:
    # Caches written before the shards kept a folder of entries: it is removed, not kept.
    legacy = cache_folder(settings) / "files"
    legacy.mkdir(parents=True)
    (legacy / "0123.docs").write_bytes(b"old entry")
    loaded = load_index(settings)
    assert loaded.cache is not None and loaded.cache.files_parsed == 3
    assert not legacy.exists()


def test_a_changed_file_rewrites_only_its_shard(settings: Settings, corpus_dir: Path) -> None:
    load_index(settings)
    before = shards(settings)
    changed = sorted(corpus_dir.glob("*.md"))[1]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA closing line was added.\n")
    load_index(settings)
    after = shards(settings)
    assert after.keys() == before.keys()
    assert sum(before[name] != after[name] for name in after) == 1


# --- damage and staleness ----------------------------------------------------------------------


def damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "flip":
        data[len(data) // 2] ^= 0x40
    elif how == "header":  # a byte of the JSON header, after magic, length and checksum
        data[8 + 8 + 32 + 5] ^= 0x01
    elif how == "truncate":
        del data[len(data) // 3 :]
    elif how == "empty":
        data.clear()
    else:
        data[:8] = b"NOTCACHE"
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("which", "how"),
    [
        *[("parsed/*.bin", how) for how in ["flip", "truncate", "empty", "magic", "header"]],
        # The index is mapped, not read: a start checks its header and size, not every byte.
        *[("index.bin", how) for how in ["truncate", "empty", "magic", "header"]],
        *[("listing.bin", how) for how in ["flip", "truncate", "magic"]],
    ],
)
def test_a_damaged_cache_file_is_detected_logged_ignored_and_rebuilt(
    settings: Settings, caplog: pytest.LogCaptureFixture, which: str, how: str
) -> None:
    cold = load_index(settings)
    targets = sorted(cache_folder(settings).glob(which))
    for target in targets:
        damage(target, how)
    if which == "parsed/*.bin":  # a start over an unchanged listing reads no parsed file
        (cache_folder(settings) / "listing.bin").unlink()

    with caplog.at_level(logging.WARNING, logger="bot.store.cache"):
        rebuilt = load_index(settings)
    assert rebuilt.cache is not None
    assert len(rebuilt.cache.rejected) == len(targets)
    assert sum("ignoring cache file" in r.getMessage() for r in caplog.records) == len(targets)
    assert_same_index(rebuilt.index, cold.index)
    if which == "parsed/*.bin":
        assert rebuilt.cache.files_parsed == 3
    if which == "index.bin":  # it held the analyses too
        assert rebuilt.cache.documents_analysed == 3

    again = load_index(settings)  # rewritten whole: trusted again
    assert again.cache is not None
    assert again.cache.rejected == [] and again.cache.index_from_cache


def test_a_cache_file_of_another_analyzer_version_is_stale_and_rebuilt(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    cold = load_index(settings)
    monkeypatch.setattr(bot.store.cache, "analyzer_version", lambda: "another-version")
    with caplog.at_level(logging.INFO, logger="bot.store.cache"):
        rebuilt = load_index(settings)
    assert rebuilt.cache is not None
    assert rebuilt.cache.files_parsed == 3 and not rebuilt.cache.index_from_cache
    assert rebuilt.cache.documents_analysed == 3
    assert all("another reader or analyzer version" in r for r in rebuilt.cache.rejected)
    assert any("another reader or analyzer version" in r.getMessage() for r in caplog.records)
    assert_same_index(rebuilt.index, cold.index)


def test_parsed_files_cached_by_another_reader_version_are_parsed_again(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The analyzer declares its version; a change to reading or cleaning files must also
    # invalidate what was cached, although no analyzer code moved.
    load_index(settings)
    monkeypatch.setattr(bot.store.cache, "READER_VERSION", READER_VERSION + 1)
    rebuilt = load_index(settings)
    assert rebuilt.cache is not None
    assert rebuilt.cache.files_parsed == 3 and rebuilt.cache.files_from_cache == 0


def test_an_index_that_does_not_fit_its_documents_is_rejected(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A whole, checksummed file of the right key whose arrays are wrong (a bug, say).
    load_index(settings)
    path = cache_folder(settings) / "index.bin"
    meta, arrays = read_container(path, "index", code_version())
    arrays = {name: np.array(array) for name, array in arrays.items()}
    arrays["searchable"] = arrays["searchable"][:-1]
    write_container(path, "index", code_version(), meta, arrays)
    rebuilt = load_index(settings)
    assert rebuilt.cache is not None and not rebuilt.cache.index_from_cache
    assert any("does not fit" in reason for reason in rebuilt.cache.rejected)
    assert_same_index(rebuilt.index, fresh(settings))


def test_a_cache_that_cannot_be_written_only_costs_time(
    corpus_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder would go")
    settings = Settings(corpus_dir=corpus_dir, cache_dir=blocker)
    with caplog.at_level(logging.WARNING, logger="bot.store.cache"):
        loaded: LoadedCorpus = load_index(settings)
    assert any("cannot write cache file" in r.getMessage() for r in caplog.records)
    assert_same_index(loaded.index, fresh(settings))


# --- the file format ------------------------------------------------------------------------------


def test_containers_round_trip_and_writes_leave_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "x.bin"
    arrays: dict[str, npt.NDArray[Any]] = {
        "a": np.arange(10, dtype=np.int32),
        "b": np.linspace(0, 1, 7),
        "empty": np.empty(0, dtype=np.int64),
        "bytes": np.frombuffer("héllo".encode(), dtype=np.uint8),
    }
    write_container(path, "test", "v1", {"note": "ünïcode"}, arrays)
    write_container(path, "test", "v1", {"note": "ünïcode"}, arrays)  # replaced in place
    meta, read = read_container(path, "test", "v1")
    assert meta == {"note": "ünïcode"}
    assert set(read) == set(arrays)
    for name, array in arrays.items():
        assert read[name].dtype == array.dtype
        np.testing.assert_array_equal(read[name], array)
    assert [p.name for p in path.parent.iterdir()] == ["x.bin"]
    with pytest.raises(CacheProblem, match="holds 'test'"):
        read_container(path, "index", "v1")
    with pytest.raises(CacheProblem, match="another reader or analyzer version") as stale:
        read_container(path, "test", "v2")
    assert stale.value.stale


def test_a_streamed_array_is_written_as_made_and_read_back_whole(tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    chunks = [b"first ", "sécond ".encode(), b"", b"third"]
    streamed = Streamed(sum(map(len, chunks)), lambda: iter(chunks))
    write_container(path, "test", "v1", {}, {"a": np.arange(3), "text": streamed})
    _, read = map_container(path, "test", "v1")
    assert read["text"].tobytes() == b"".join(chunks) and read["text"].dtype == np.uint8
    np.testing.assert_array_equal(read["a"], np.arange(3))
    assert verify_container(path) is None

    short = Streamed(100, lambda: iter(chunks))  # says more than it makes: nothing written
    with pytest.raises(ValueError, match="made 19 bytes, not 100"):
        write_container(tmp_path / "y.bin", "test", "v1", {}, {"text": short})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.bin"]


@pytest.mark.parametrize("cut", [0, 10, 100, -1])
def test_any_truncation_is_detected(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "x.bin"
    write_container(path, "test", "v1", {}, {"a": np.arange(100)})
    data = path.read_bytes()
    path.write_bytes(data[:cut])
    with pytest.raises(CacheProblem):
        read_container(path, "test", "v1")


def test_a_corpus_of_one_sentence_paragraphs_round_trips(tmp_path: Path) -> None:
    # The layout the scale benchmark generates: the paragraph index is the sentence index.
    folder = tmp_path / "dump"
    folder.mkdir()
    lines = [
        {"title": f"Report {n}", "text": f"The {w} council met today.\n\nIts {w} roads closed."}
        for n, w in enumerate(["harbour", "forest", "valley"])
    ]
    (folder / "dump.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    settings = Settings(corpus_dir=folder, cache_dir=tmp_path / "cache")
    cold = load_index(settings)
    warm = load_index(settings)
    assert warm.cache is not None and warm.cache.index_from_cache
    assert warm.index.snapshot().paragraph_postings is None  # paragraphs are the sentences
    assert_same_index(warm.index, cold.index)
    assert warm.index.search("forest roads", 1)[0].sentence.text == "Its forest roads closed."


def test_the_caches_of_corpus_folders_that_are_gone_are_removed(
    corpus_dir: Path, tmp_path: Path
) -> None:
    cache_dir = tmp_path / "cache"
    gone = tmp_path / "temporary-corpus"
    shutil.copytree(corpus_dir, gone)
    load_index(Settings(corpus_dir=gone, cache_dir=cache_dir))
    stranger = cache_dir / "not-ours"
    stranger.mkdir()
    shutil.rmtree(gone)
    load_index(Settings(corpus_dir=corpus_dir, cache_dir=cache_dir))
    remaining = sorted(p.name for p in cache_dir.iterdir())
    assert remaining == sorted(
        [cache_folder(Settings(corpus_dir=corpus_dir, cache_dir=cache_dir)).name, "not-ours"]
    )


def test_damage_inside_the_mapped_index_is_found_by_the_full_check_and_rebuilt(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cold = load_index(settings)
    path = cache_folder(settings) / "index.bin"
    damage(path, "flip")
    load_index(settings)  # a start checks the header and every position it follows, not all
    monkeypatch.chdir(settings.corpus_dir.parent)
    monkeypatch.setenv("CORPUS_DIR", str(settings.corpus_dir))
    monkeypatch.setenv("CACHE_DIR", str(settings.cache_dir))
    assert main(["check", "--verify"]) == 1
    said = capsys.readouterr().out
    assert "cache: the stored index is damaged (checksum mismatch" in said
    again = load_index(settings)
    assert again.cache is not None and again.cache.index_from_cache  # built again by check
    assert_same_index(again.index, cold.index)
    assert main(["check", "--verify"]) == 0


def test_a_stored_index_is_mapped_and_its_scores_are_not_worked_out_again(
    settings: Settings,
) -> None:
    cold = load_index(settings)
    warm = load_index(settings)
    impact = warm.index.snapshot().sentence_postings.impact
    assert not impact.flags.writeable  # a view of the mapped file, shared between processes
    np.testing.assert_array_equal(impact, cold.index.snapshot().sentence_postings.impact)
    other = settings.model_copy(update={"bm25_k1": 1.2})
    rescored = load_index(other)  # other parameters: worked out again, and right
    assert_same_index(rescored.index, fresh(other))


# --- a damaged cache only ever costs time ---------------------------------------------------


def test_a_damaged_marker_in_another_corpus_cache_only_costs_time(settings: Settings) -> None:
    cache_dir = settings.cache_dir
    for name, marker in [("latin1", b"/corp\xfbs\xff"), ("nul", b"/tmp/a\x00b")]:
        (cache_dir / name).mkdir(parents=True)
        (cache_dir / name / "corpus-folder.txt").write_bytes(marker)
    (cache_dir / "not-ours").mkdir()
    loaded = load_index(settings)
    assert_same_index(loaded.index, fresh(settings))
    # Neither names a corpus folder that exists: both are removed, a stranger is not.
    assert sorted(p.name for p in cache_dir.iterdir()) == sorted(
        [cache_folder(settings).name, "not-ours"]
    )


def test_a_corpus_folder_whose_name_is_not_utf8_is_cached(corpus_dir: Path, tmp_path: Path) -> None:
    odd = Path(os.fsdecode(os.fsencode(tmp_path) + b"/corpus\xff"))
    shutil.copytree(corpus_dir, odd)
    settings = Settings(corpus_dir=odd, cache_dir=tmp_path / "cache")
    cold = load_index(settings)
    warm = load_index(settings)
    assert warm.cache is not None and warm.cache.index_from_cache
    assert_same_index(warm.index, cold.index)


def _checked_file(header: bytes) -> bytes:
    """A cache file whose checksums hold: damage no checksum can see, as a bug would write."""
    body = b"NQACACHE" + struct.pack("<Q", len(header)) + hashlib.sha256(header).digest() + header
    return body + hashlib.sha256(body).digest()


def test_a_cache_file_of_an_earlier_format_is_stale_not_damaged(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    cold = load_index(settings)
    # Before format 5 the header followed its length directly, with no checksum of its own.
    header = json.dumps({"format": 4, "kind": "index", "meta": {}, "arrays": []}).encode()
    body = b"NQACACHE" + struct.pack("<Q", len(header)) + header
    (cache_folder(settings) / "index.bin").write_bytes(body + hashlib.sha256(body).digest())
    with caplog.at_level(logging.INFO, logger="bot.store.cache"):
        rebuilt = load_index(settings)
    assert rebuilt.cache is not None and rebuilt.cache.rejected == [
        f"index.bin: format 4, not {FORMAT}"
    ]
    assert not any(r.levelno >= logging.WARNING for r in caplog.records)
    assert_same_index(rebuilt.index, cold.index)


@pytest.mark.parametrize("meta", [None, []])
def test_a_cache_file_of_an_unexpected_shape_is_rejected_and_rebuilt(
    settings: Settings, meta: list[object] | None
) -> None:
    cold = load_index(settings)
    header = [] if meta is None else {"format": FORMAT, "kind": "index", "analyzer": code_version()}
    if isinstance(header, dict):
        header.update(meta=meta, arrays=[])
    path = cache_folder(settings) / "index.bin"
    path.write_bytes(_checked_file(json.dumps(header).encode()))
    rebuilt = load_index(settings)
    assert rebuilt.cache is not None and not rebuilt.cache.index_from_cache
    assert len(rebuilt.cache.rejected) == 1
    assert_same_index(rebuilt.index, cold.index)


# --- files unchanged by size and time -------------------------------------------------------


def _swap_text_keeping_size_and_time(path: Path, old: str, new: str) -> None:
    status = path.stat()
    assert len(old) == len(new)
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))


def test_a_file_unchanged_in_size_and_time_is_not_read_again(
    settings: Settings, corpus_dir: Path
) -> None:
    article = sorted(corpus_dir.glob("*.md"))[0]
    long_ago = 1_600_000_000_000_000_000  # 2020: well before the load
    os.utime(article, ns=(long_ago, long_ago))
    load_index(settings)
    # The same size and time: the stored parse stands, so the edit is not seen (as make
    # and git do), which shows that the file was not read.
    _swap_text_keeping_size_and_time(article, "Pentagon", "Pentagom")
    again = load_index(settings)
    assert again.cache is not None and again.cache.index_from_cache
    assert not any("Pentagom" in s.text for s in again.index.sentences)
    os.utime(article)  # touched: read, hashed and parsed again
    touched = load_index(settings)
    assert touched.cache is not None and touched.cache.files_parsed == 1
    assert any("Pentagom" in s.text for s in touched.index.sentences)


def test_a_file_changed_as_the_load_ran_is_read_again_despite_its_size_and_time(
    settings: Settings, corpus_dir: Path
) -> None:
    # Written in the same clock tick as the load that read it: its size and time cannot
    # tell a later write apart, so it is hashed at the next load.
    article = sorted(corpus_dir.glob("*.md"))[0]
    os.utime(article)
    load_index(settings)
    _swap_text_keeping_size_and_time(article, "Pentagon", "Pentagom")
    again = load_index(settings)
    assert again.cache is not None and again.cache.files_parsed == 1
    assert any("Pentagom" in s.text for s in again.index.sentences)


def test_a_new_article_limit_reads_the_files_again(settings: Settings, corpus_dir: Path) -> None:
    long_ago = 1_600_000_000_000_000_000
    for path in corpus_dir.glob("*.md"):
        os.utime(path, ns=(long_ago, long_ago))
    load_index(settings)
    smaller = settings.model_copy(update={"max_article_bytes": 5_500})
    loaded = load_index(smaller)
    assert loaded.cache is not None and loaded.cache.files_from_cache == 0
    [skipped] = loaded.corpus.skipped
    assert skipped.path == "pentagon-officials-host-chinese-counterparts.md"
    assert skipped.reason == "5,722 bytes, over the max_article_bytes limit of 5,500"


# --- a reload in the same process --------------------------------------------------------------


def test_a_reload_starts_from_the_last_load_in_memory(settings: Settings, corpus_dir: Path) -> None:
    first = load_index(settings)
    shutil.rmtree(settings.cache_dir)  # nothing to read back: all must come from `first`
    changed = sorted(corpus_dir.glob("*.md"))[1]
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA closing line was added.\n")
    reloaded = load_index(settings, previous=first)
    assert reloaded.cache is not None
    assert (reloaded.cache.files_parsed, reloaded.cache.files_from_cache) == (1, 2)
    assert (reloaded.cache.documents_analysed, reloaded.cache.documents_from_cache) == (1, 2)
    assert_same_index(reloaded.index, fresh(settings))
    # The index is kept again; the files kept from `first` are parsed again at a start only
    # when it cannot trust the listing (the changed file is too new): a reload does not
    # read them back to keep what the emptied folder lost.
    cold = load_index(settings)
    assert cold.cache is not None and cold.cache.index_from_cache
    assert cold.cache.files_parsed <= 2


def test_a_reload_that_changed_nothing_keeps_the_index(settings: Settings) -> None:
    first = load_index(settings)
    shutil.rmtree(settings.cache_dir)  # the index can only come from `first`
    again = load_index(settings, previous=first)
    assert again.cache is not None and again.cache.index_from_cache
    assert again.cache.documents_analysed == 0
    assert_same_index(again.index, first.index)
    cold = load_index(settings)  # and the cache holds it again
    assert cold.cache is not None and cold.cache.index_from_cache


def test_a_reload_with_another_article_limit_reads_the_files_again(settings: Settings) -> None:
    first = load_index(settings)
    smaller = settings.model_copy(update={"max_article_bytes": 5_500})
    loaded = load_index(smaller, previous=first)
    assert loaded.cache is not None and loaded.cache.files_from_cache == 0
    assert [s.path for s in loaded.corpus.skipped] == [
        "pentagon-officials-host-chinese-counterparts.md"
    ]
