"""Answers as text: the Markdown the bot posts, the terminal text and JSON.

Pure string work, shared by the CLI and the Discord layer (which wraps these
pieces in embeds); nothing here imports discord.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from bot.corpus import Document
from bot.qa.answer import NOT_IN_CORPUS, NOTHING_TO_SEARCH, Answer, Passage
from bot.search.analyzer import words

# Characters Discord Markdown gives meaning to inside a line of text.
_MARKDOWN = re.compile(r"([\\*_~`|\[\]<>#])")
_LIST_MARKER = re.compile(r"^([-+>#])")
_NUMBERED = re.compile(r"^(\d+)\.")  # "1. text" would become a numbered list


def escape_markdown(text: str) -> str:
    """Text that Discord shows literally: no bold, links, headings or mention tags from quotes."""
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _LIST_MARKER.sub(r"\\\1", text)
    return _NUMBERED.sub(r"\1\\.", text)


def emphasize(text: str, matched: frozenset[str]) -> str:
    """The sentence with the words that matched the question in bold, the rest escaped."""
    parts: list[str] = []
    cursor = 0
    for word in words(text):
        if word.term is not None and word.term in matched:
            parts.append(escape_markdown(text[cursor : word.start]))
            parts.append(f"**{escape_markdown(text[word.start : word.end])}**")
            cursor = word.end
    parts.append(escape_markdown(text[cursor:]))
    return "".join(parts)


def source_label(document: Document) -> str:
    """Title, then publisher and author where known."""
    extras = [document.publisher, f"by {document.author}" if document.author else None]
    known = ", ".join(e for e in extras if e)
    return f"{document.title} ({known})" if known else document.title


def sentences_label(passages: Sequence[Passage]) -> str:
    """Where the passages are in their document, as a reader sees it: "sentence 4", or
    "sentences 3-5, 9" for more than one."""
    spans = [p.span for p in passages]
    plural = len(spans) > 1 or any(first != last for first, last in spans)
    where = ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)
    return f"sentence{'s' if plural else ''} {where}"


def citation(passage: Passage) -> str:
    """`[1] Title (Publisher), sentence 4`: which article, and where in it."""
    where = sentences_label([passage])
    return f"[{passage.source_number}] {source_label(passage.sentence.document)}, {where}"


def decline_message(answer: Answer) -> str:
    """One line saying why nothing is quoted, naming the closest sources if any."""
    if answer.reason == NOTHING_TO_SEARCH:
        return "Nothing to search for: the question has no words to look up."
    if answer.reason == NOT_IN_CORPUS:
        message = "Not in the corpus: no sentence answers this question well enough."
        if answer.closest:
            message += " Closest sources: " + "; ".join(d.title for d in answer.closest) + "."
        return message
    return f"Cannot answer: {answer.reason}."


def render_text(answer: Answer) -> str:
    """The answer as the bot would post it, for a terminal."""
    if not answer.answered:
        return decline_message(answer)
    blocks = [f"> {emphasize(p.text, p.matched)}\n  {citation(p)}" for p in answer.passages]
    source_lines = [f"[{n}] {source_line(d)}" for n, d in enumerate(answer.sources, start=1)]
    return "\n\n".join(blocks) + "\n\nSources:\n" + "\n".join(source_lines)


def source_line(document: Document) -> str:
    """A full reference for a document: label, date, url and its id."""
    parts = [source_label(document)]
    if document.published:
        parts.append(document.published)
    if document.url:
        parts.append(document.url)
    return " · ".join(parts) + f" [{document.id}]"


def answer_to_json(answer: Answer) -> dict[str, Any]:
    """The machine-readable answer that `ask --json` prints."""
    return {
        "question": answer.question,
        "answered": answer.answered,
        "reason": answer.reason,
        "passages": [
            {
                "text": p.text,
                "document_id": p.sentence.document.id,
                "title": p.sentence.document.title,
                "score": round(p.score, 6),
                "sentence": p.sentence.position,
                "paragraph": p.sentence.paragraph,
                "matched_terms": sorted(p.matched),
                **p.sentence.document.metadata(),
            }
            for p in answer.passages
        ],
        "closest_sources": [d.id for d in answer.closest],
        "corpus_version": answer.corpus_version,
    }
