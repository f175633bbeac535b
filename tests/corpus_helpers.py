"""What the corpus tests share: articles written into folders, and what a load reports."""

from __future__ import annotations

from pathlib import Path

from bot.corpus import Corpus, load_corpus

LIMIT = 100_000
PROSE = "The defense ministers met in Geneva on Tuesday to discuss the arms treaty."
OTHER = "Officials from both sides agreed to meet again in Vienna next spring."


def load(folder: Path, max_article_bytes: int = LIMIT) -> Corpus:
    return load_corpus(folder, max_article_bytes=max_article_bytes)


def reasons(corpus: Corpus) -> dict[str, str]:
    return {skipped.path: skipped.reason for skipped in corpus.skipped}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def folder_with_a_good_article(tmp_path: Path) -> Path:
    """A corpus folder holding one good article, so every test checks the rest still loads."""
    corpus = tmp_path / "corpus"
    write(corpus / "good.md", f"# Good article\n\n{PROSE}\n")
    return corpus


def assert_good_still_loads(corpus: Corpus) -> None:
    assert [d.id for d in corpus.documents] == ["good"]
    assert corpus.documents[0].paragraphs == (PROSE,)
