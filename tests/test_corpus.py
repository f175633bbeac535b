"""Loading corpus folders: supported files, bad files skipped with a reason, cleaning."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from bot.corpus import Corpus, CorpusError, Document, list_corpus
from bot.corpus.document import Listing
from bot.corpus.table import nul_joined
from bot.search.index import split_document
from tests.corpus_helpers import (
    OTHER,
    PROSE,
    assert_good_still_loads,
    folder_with_a_good_article,
    load,
    reasons,
    write,
)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return folder_with_a_good_article(tmp_path)


def only(corpus: Corpus) -> Document:
    assert len(corpus.documents) == 1, corpus
    return corpus.documents[0]


# --- supported files -----------------------------------------------------------


def test_markdown_front_matter_gives_title_and_metadata(tmp_path: Path) -> None:
    write(
        tmp_path / "talks.md",
        "---\n"
        'title: "Ministers meet in Geneva"\n'
        "publisher: Example News\n"
        "author: Jane Doe\n"
        "url: https://example.com/talks\n"
        "published: 2024-03-04\n"
        "tags: [defense, treaty]\n"
        "category: World\n"
        "---\n"
        f"{PROSE}\n\n{OTHER}\n",
    )
    document = only(load(tmp_path))
    assert document.id == "talks"
    assert document.source == "talks.md"
    assert document.title == "Ministers meet in Geneva"
    assert document.paragraphs == (PROSE, OTHER)
    assert document.metadata() == {
        "publisher": "Example News",
        "author": "Jane Doe",
        "url": "https://example.com/talks",
        "published": "2024-03-04",
    }


def test_markdown_without_front_matter_title_uses_first_line(tmp_path: Path) -> None:
    write(tmp_path / "a.md", f"\n## Ministers meet in Geneva\n\n{PROSE}\n")
    document = only(load(tmp_path))
    assert document.title == "Ministers meet in Geneva"
    assert document.paragraphs == (PROSE,)


def test_markdown_formatting_is_not_kept_as_prose(tmp_path: Path) -> None:
    write(
        tmp_path / "a.md",
        "Title\n\n"
        "The **ministers** met in [Geneva](https://example.com/geneva) on _Tuesday_ today.\n\n"
        "> Officials said the talks would resume after the holidays in January.\n",
    )
    assert only(load(tmp_path)).paragraphs == (
        "The ministers met in Geneva on Tuesday today.",
        "Officials said the talks would resume after the holidays in January.",
    )


def test_txt_title_is_the_first_line(tmp_path: Path) -> None:
    write(tmp_path / "note.txt", f"\n\nMinisters meet in Geneva\n{PROSE}\n\n{OTHER}\n")
    document = only(load(tmp_path))
    assert document.title == "Ministers meet in Geneva"
    assert document.paragraphs == (PROSE, OTHER)
    assert document.metadata() == {}


def test_jsonl_loads_good_lines_and_skips_bad_ones_by_line_number(tmp_path: Path) -> None:
    lines = [
        json.dumps({"title": "First", "text": PROSE, "publisher": "Wire", "extra": 1}),
        "",
        "{not json",
        "[1, 2]",
        json.dumps({"title": "No text"}),
        json.dumps({"title": "Second", "text": OTHER}),
    ]
    write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    corpus = load(tmp_path)
    assert [(d.id, d.title, d.source) for d in corpus.documents] == [
        ("feed:1", "First", "feed.jsonl:1"),
        ("feed:6", "Second", "feed.jsonl:6"),
    ]
    assert corpus.documents[0].metadata() == {"publisher": "Wire"}
    found = reasons(corpus)
    assert set(found) == {"feed.jsonl:3", "feed.jsonl:4", "feed.jsonl:5"}
    assert found["feed.jsonl:3"].startswith("not valid JSON")
    assert found["feed.jsonl:4"] == "not a JSON object"
    assert "title" in found["feed.jsonl:5"]
    assert "text" in found["feed.jsonl:5"]


def test_documents_come_in_sorted_order_whatever_the_creation_order(tmp_path: Path) -> None:
    for name in ["c.md", "a.txt", "b.md"]:
        write(tmp_path / name, f"{name}\n\n{PROSE} ({name})\n")
    assert [d.source for d in load(tmp_path).documents] == ["a.txt", "b.md", "c.md"]
    assert load(tmp_path) == load(tmp_path)


def test_subfolders_are_read_recursively(tmp_path: Path) -> None:
    write(tmp_path / "top.md", f"Top\n\n{PROSE}\n")
    write(tmp_path / "world" / "asia" / "deep.txt", f"Deep\n\n{OTHER}\n")
    corpus = load(tmp_path)
    assert {d.id for d in corpus.documents} == {"top", "world/asia/deep"}
    assert corpus.skipped == ()


def test_files_across_subfolders_come_in_sorted_path_order(tmp_path: Path) -> None:
    # Regression: os.walk gave a folder's own files before its subfolders' files.
    write(tmp_path / "z.md", f"Z\n\n{PROSE}\n")
    write(tmp_path / "a" / "x.md", f"X\n\n{OTHER}\n")
    assert [d.source for d in load(tmp_path).documents] == ["a/x.md", "z.md"]


def test_a_listing_holds_each_files_size_and_time_in_path_order(tmp_path: Path) -> None:
    # Files of a folder before, between and after its subfolders' in path order, and a
    # name that is not plain ASCII, whose status is taken apart from the others'.
    names = ["b.md", "a/x.md", "a.md", "a0.md", "b/c/d.txt", "\u00e9t\u00e9.md", "B.md"]
    for number, name in enumerate(names):
        write(tmp_path / name, "x" * (number + 1))
        os.utime(tmp_path / name, ns=(0, (number + 1) * 1_000_000_007))
    listing = list_corpus(tmp_path).listing
    assert list(listing.relatives) == sorted(names)
    for at, relative in enumerate(listing.relatives):
        status = (tmp_path / relative).stat()
        assert listing.stamp(at) == (relative, status.st_size, status.st_mtime_ns)
    assert list(listing.files) == [listing.stamp(at) for at in range(len(names))]
    assert Listing.of(listing.files, listing.passed_over) == listing
    assert Listing.of(reversed(listing.files), listing.passed_over) == listing
    assert Listing.of(listing.files[1:]) != listing
    assert listing.paths == nul_joined((relative,) for relative in listing.relatives)


def test_a_listing_refuses_columns_of_different_lengths_or_paths_out_of_order() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        Listing(("a.md",), np.zeros(2, dtype=np.int64), np.zeros(1, dtype=np.int64))
    for paths in [("b.md", "a.md"), ("a.md", "a.md")]:
        with pytest.raises(ValueError, match="not in order"):
            Listing(paths, np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64))


def test_missing_folder_raises_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not found"):
        load(tmp_path / "nowhere")


def test_a_file_instead_of_a_folder_raises_corpus_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="not a folder"):
        load(write(tmp_path / "a.md", f"A\n\n{PROSE}\n"))


def test_an_empty_folder_loads_no_documents(tmp_path: Path) -> None:
    assert load(tmp_path) == Corpus(folder=tmp_path, documents=(), skipped=())


# --- bad files are skipped with a reason; the rest still loads ---------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"", "empty file"),
        ("blank.txt", b"  \n\t\r\n  ", "empty file"),
        ("binary.md", b"Title\n\nSome text\x00with a NUL byte in it.\n", "binary"),
        ("latin1.txt", "Título\n\nEl ministro habló.\n".encode("latin-1"), "not UTF-8"),
        ("bad-yaml.md", b"---\ntitle: [unclosed\n---\nBody.\n", "front matter is not valid YAML"),
        ("image.png", b"\x89PNG\r\n", "unsupported file type '.png'"),
        ("README", b"Read me first.\n", "unsupported file type"),
        ("heading-only.md", b"# Title\n\n## Only a heading\n", "no prose left"),
    ],
)
def test_bad_file_is_skipped_with_a_reason(
    folder: Path, name: str, content: bytes, reason: str
) -> None:
    (folder / name).write_bytes(content)
    corpus = load(folder)
    assert_good_still_loads(corpus)
    assert list(reasons(corpus)) == [name]
    assert reason in reasons(corpus)[name]


@pytest.mark.parametrize("other", [None, "Café.md", "tab\there.md"])
def test_a_file_is_read_by_its_suffix_in_any_case(tmp_path: Path, other: str | None) -> None:
    # A plain name (printable ASCII) is looked at by the folder's listing; `other`, a name
    # that is not plain, alone, beside them: the files are the same.
    read = ["a.MD", "b.Txt", "c.markdown", "d.tar.md", "e.JSONL", "f g.md", "h..md"]
    passed_over = {"i.md.bak": "'.bak'", "j.": "'.'", "k": "'(none)'", "l.mdx": "'.mdx'"}
    for name in [*read, *passed_over, *([other] if other else [])]:
        (tmp_path / name).write_text("Title\n\nText.\n", encoding="utf-8")
    listing = list_corpus(tmp_path).listing
    files = {item.relative for item in listing.files} - {other}
    assert files == set(read)
    passed = {item.path: item.reason for item in listing.passed_over}
    assert {name: passed[name] for name in passed_over} == {
        name: f"unsupported file type {suffix}" for name, suffix in passed_over.items()
    }


def test_file_over_the_size_limit_is_skipped(folder: Path) -> None:
    write(folder / "huge.md", "Huge\n\n" + PROSE * 20)
    corpus = load(folder, max_article_bytes=1_000)
    assert_good_still_loads(corpus)
    assert "over the max_article_bytes limit of 1,000" in reasons(corpus)["huge.md"]


def test_utf8_bom_loads_and_is_not_part_of_the_title(tmp_path: Path) -> None:
    (tmp_path / "bom.txt").write_bytes(f"\ufeffBOM title\n\n{PROSE}\n".encode())
    (tmp_path / "bom-front.md").write_bytes(
        f"\ufeff---\ntitle: Front matter\nauthor: Jane Doe\n---\n{OTHER}\n".encode()
    )
    corpus = load(tmp_path)
    assert corpus.skipped == ()
    assert [(d.title, d.metadata()) for d in corpus.documents] == [
        ("Front matter", {"author": "Jane Doe"}),
        ("BOM title", {}),
    ]


def test_crlf_line_ends_load_like_lf(tmp_path: Path) -> None:
    (tmp_path / "crlf.txt").write_bytes(f"CRLF title\r\n\r\n{PROSE}\r\n\r\n{OTHER}\r\n".encode())
    document = only(load(tmp_path))
    assert document.title == "CRLF title"
    assert document.paragraphs == (PROSE, OTHER)


def test_unreadable_file_is_skipped(folder: Path) -> None:
    secret = write(folder / "secret.md", f"Secret\n\n{OTHER}\n")
    secret.chmod(0)
    try:
        if os.geteuid() == 0 or os.access(secret, os.R_OK):
            pytest.skip("running as root: chmod 000 does not stop reading")
        corpus = load(folder)
    finally:
        secret.chmod(0o644)
    assert_good_still_loads(corpus)
    assert reasons(corpus)["secret.md"].startswith("unreadable")


def test_symlink_leading_outside_the_folder_is_skipped(tmp_path: Path, folder: Path) -> None:
    outside = write(tmp_path / "elsewhere" / "private.md", f"Private\n\n{OTHER}\n")
    (folder / "link.md").symlink_to(outside)
    (folder / "linked-dir").symlink_to(outside.parent, target_is_directory=True)
    corpus = load(folder)
    assert_good_still_loads(corpus)
    assert reasons(corpus) == {
        "linked-dir": "symlink leads outside the corpus folder",
        "link.md": "symlink leads outside the corpus folder",
    }


def test_broken_symlink_is_skipped(folder: Path) -> None:
    (folder / "broken.md").symlink_to(folder / "missing.md")
    corpus = load(folder)
    assert_good_still_loads(corpus)
    assert "broken symlink" in reasons(corpus)["broken.md"]


def test_directory_named_like_a_file_is_skipped_and_not_entered(folder: Path) -> None:
    write(folder / "notes.md" / "inside.md", f"Inside\n\n{OTHER}\n")
    corpus = load(folder)
    assert_good_still_loads(corpus)
    assert reasons(corpus) == {"notes.md": "a directory named like a file"}


def test_hidden_files_and_folders_are_ignored(folder: Path) -> None:
    write(folder / ".draft.md", f"Draft\n\n{OTHER}\n")
    write(folder / ".git" / "notes.md", f"Notes\n\n{OTHER}\n")
    corpus = load(folder)
    assert_good_still_loads(corpus)
    assert corpus.skipped == ()


def test_many_bad_files_at_once_never_stop_the_load(folder: Path) -> None:
    (folder / "empty.md").write_bytes(b"")
    (folder / "binary.txt").write_bytes(b"\x00\x01")
    (folder / "feed.jsonl").write_bytes(b"{oops\n")
    (folder / "dir.txt").mkdir()
    corpus = load(folder)
    assert_good_still_loads(corpus)
    assert set(reasons(corpus)) == {"empty.md", "binary.txt", "feed.jsonl:1", "dir.txt"}


# --- cleaning ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "chrome",
    [
        # Sentence-like lines: the short-heading rule alone would keep these.
        "Share this article with friends on social media.",
        "Tweet this story to all your followers today.",
        "Read more: Why the Geneva talks matter.",
        "Learn more about our reporting on defense in Asia.",
        "Continue reading to find out what the ministers agreed.",
        "Subscribe to our newsletter for daily updates on defense and foreign affairs.",
        "Sign up for breaking news alerts delivered to your inbox every morning.",
        "Follow us on Twitter, Facebook and Instagram for the latest news.",
        "Click here to see the full gallery of photos from the summit in Geneva.",
        "Your email address will not be published.",
        "Back to top.",
        # Short chrome lines as they appear on news pages.
        "Learn More \u2192",
        "Enter your email address:",
        "Advertisement",
        "12 comments",
        "World, News No Comments on Ministers meet in Geneva",
    ],
)
def test_page_chrome_is_not_kept_as_prose(tmp_path: Path, chrome: str) -> None:
    write(tmp_path / "a.md", f"Ministers meet\n\n{chrome}\n\n{PROSE}\n")
    assert only(load(tmp_path)).paragraphs == (PROSE,)


def test_footer_ends_the_article(tmp_path: Path) -> None:
    write(
        tmp_path / "a.md",
        f"Ministers meet\n\n{PROSE}\n\nRelated Articles\n\n{OTHER}\n\n"
        "Leave a Reply\n\nYour email address will not be published. Required fields are marked *\n",
    )
    assert only(load(tmp_path)).paragraphs == (PROSE,)


def test_byline_and_date_lines_become_metadata(tmp_path: Path) -> None:
    write(
        tmp_path / "a.txt", f"Ministers meet\n\nBy Jane Doe\nPublished: March 4, 2024\n\n{PROSE}\n"
    )
    document = only(load(tmp_path))
    assert document.paragraphs == (PROSE,)
    assert document.metadata() == {"author": "Jane Doe", "published": "2024-03-04"}


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("2024-01-05", "2024-01-05"),
        ("Jan. 5, 2024", "2024-01-05"),
        ("5 March 2024", "2024-03-05"),
        ("Updated on Sept. 3, 2023", "2023-09-03"),
    ],
)
def test_date_lines_are_read_in_common_forms(tmp_path: Path, line: str, iso: str) -> None:
    write(tmp_path / "a.txt", f"Ministers meet\n\n{line}\n\n{PROSE}\n")
    document = only(load(tmp_path))
    assert document.published == iso
    assert document.paragraphs == (PROSE,)


def test_bullet_metadata_is_not_prose(tmp_path: Path) -> None:
    write(
        tmp_path / "a.md",
        f"Ministers meet\n\n  \u2022 Published\n  \u2022 By Joseph Clark\n  \u2022 DOD News\n"
        f"\u2022 World\n\n{PROSE}\n",
    )
    document = only(load(tmp_path))
    assert document.paragraphs == (PROSE,)
    assert document.author == "Joseph Clark"


def test_front_matter_metadata_wins_over_what_cleaning_finds(tmp_path: Path) -> None:
    write(
        tmp_path / "a.md",
        f"---\ntitle: Ministers meet\nauthor: Joseph Clark\n---\nBy Somebody Else\n\n{PROSE}\n",
    )
    assert only(load(tmp_path)).author == "Joseph Clark"


def test_copyright_holder_becomes_publisher_and_the_rest_is_dropped(tmp_path: Path) -> None:
    write(
        tmp_path / "a.md",
        f"Ministers meet\n\n{PROSE}\n\n"
        "Copyright \u00a9 2014-2025 Example Media. All rights reserved.\n\n"
        "Example Media is a research institute focusing on security and defense.\n",
    )
    document = only(load(tmp_path))
    assert document.publisher == "Example Media"
    assert document.paragraphs == (PROSE,)


def test_paragraph_repeated_in_one_article_is_kept_once(tmp_path: Path) -> None:
    write(tmp_path / "a.md", f"Ministers meet\n\n{PROSE}\n\n{OTHER}\n\nMinisters meet\n\n{PROSE}\n")
    assert only(load(tmp_path)).paragraphs == (PROSE, OTHER)


def test_article_repeated_across_files_is_loaded_once(tmp_path: Path) -> None:
    article = f"Ministers meet\n\n{PROSE}\n\n{OTHER}\n"
    write(tmp_path / "a.md", article)
    write(tmp_path / "b" / "copy.txt", article)
    corpus = load(tmp_path)
    assert [d.id for d in corpus.documents] == ["a"]
    assert reasons(corpus) == {"b/copy.txt": "same text as a.md"}


def test_caption_credits_are_stripped(tmp_path: Path) -> None:
    write(
        tmp_path / "a.md",
        "Ministers meet\n\n"
        "United States and China flags. (Image Credit: U.S. DoD)\n\n"
        "The ambassador arrived at JFK Airport on May 23, 2023.  Reuters/File\n\n"
        f"{PROSE}\n",
    )
    assert only(load(tmp_path)).paragraphs == (
        "United States and China flags.",
        "The ambassador arrived at JFK Airport on May 23, 2023.",
        PROSE,
    )


def test_short_headings_and_caption_titles_are_not_prose(tmp_path: Path) -> None:
    write(
        tmp_path / "a.md",
        f"Ministers meet\n\nRecovering relations\n\nUS and China flags\n{PROSE}\n",
    )
    assert only(load(tmp_path)).paragraphs == (PROSE,)


def test_prose_saying_no_comment_is_kept(tmp_path: Path) -> None:
    # Regression: the "No Comments on <title>" chrome rule matched this news sentence.
    line = "The White House had no comment on the report."
    write(tmp_path / "a.md", f"Ministers meet\n\n{PROSE}\n\n{line}\n")
    assert only(load(tmp_path)).paragraphs == (PROSE, line)


def test_prose_starting_with_copyright_is_kept(tmp_path: Path) -> None:
    # Regression: any line opening with "Copyright" ended the article as a footer.
    line = "Copyright lawsuits against AI companies multiplied last year, lawyers said."
    write(tmp_path / "a.md", f"Ministers meet\n\n{line}\n\n{PROSE}\n")
    document = only(load(tmp_path))
    assert document.paragraphs == (line, PROSE)
    assert document.publisher is None


# --- the bundled corpus --------------------------------------------------------------


def test_bundled_corpus_has_three_documents_and_nothing_skipped(bundled_corpus: Corpus) -> None:
    assert [d.id for d in bundled_corpus.documents] == [
        "china-us-military-leaders-meet-in-washington",
        "pentagon-officials-host-chinese-counterparts",
        "us-china-discuss-defense-ties",
    ]
    assert bundled_corpus.skipped == ()


def test_bundled_corpus_metadata_is_as_in_front_matter(bundled_corpus: Corpus) -> None:
    by_id = {d.id: d for d in bundled_corpus.documents}
    washington = by_id["china-us-military-leaders-meet-in-washington"]
    assert washington.title == "China and US military leaders meet in Washington for defense talks"
    assert washington.metadata() == {
        "publisher": "IRIA - International Relations Insights & Analysis"
    }
    pentagon = by_id["pentagon-officials-host-chinese-counterparts"]
    assert pentagon.title == "Pentagon Officials Host Chinese Counterparts for High-Level Talks"
    assert pentagon.metadata() == {"publisher": "DOD News", "author": "Joseph Clark"}
    ties = by_id["us-china-discuss-defense-ties"]
    assert ties.title == "US, China discuss defense ties in key Pentagon meeting"
    assert ties.metadata() == {}


def test_bundled_doubled_article_keeps_each_sentence_once(bundled_corpus: Corpus) -> None:
    by_id = {d.id: d for d in bundled_corpus.documents}
    sentences = [
        s.text for s in split_document(by_id["pentagon-officials-host-chinese-counterparts"])
    ]
    assert len(sentences) == len(set(sentences))
    quote = [s for s in sentences if s.startswith('"Dr. Chase highlighted')]
    assert len(quote) == 1


@pytest.mark.parametrize(
    "chrome",
    [
        "No Comments on",
        "Subscribe",
        "Back to Top",
        "Leave a",
        "Learn More",
        "Image Credit",
        "Reuters/File",
        "Copyright",
        "Enter your email",
        "editor@ir-ia.com",
    ],
)
def test_bundled_corpus_keeps_no_page_chrome(bundled_corpus: Corpus, chrome: str) -> None:
    text = "\n".join(p for d in bundled_corpus.documents for p in d.paragraphs)
    assert chrome.casefold() not in text.casefold()
