"""Answers as text: the Markdown the bot posts, the terminal text and JSON.

Pure string work, shared by the CLI and the Discord layer (which wraps these
pieces in embeds); nothing here imports discord.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.corpus import Document
from bot.qa.about import SourceFact
from bot.qa.answer import NOT_IN_CORPUS, NOTHING_TO_SEARCH, Answer, Passage
from bot.qa.highlight import Span, answer_spans
from bot.search.query import SourceField

# Characters Discord Markdown gives meaning to inside a line of text.
_MARKDOWN = re.compile(r"([\\*_~`|\[\]<>#])")
_LIST_MARKER = re.compile(r"^([-+>#])")
_NUMBERED = re.compile(r"^(\d+)\.")  # "1. text" would become a numbered list


def escape_markdown(text: str) -> str:
    """Text that Discord shows literally: no bold, links, headings or mention tags from quotes."""
    text = _MARKDOWN.sub(r"\\\1", text)
    text = _LIST_MARKER.sub(r"\\\1", text)
    return _NUMBERED.sub(r"\1\\.", text)


def emphasize(text: str, spans: Sequence[Span]) -> str:
    """The text with `spans` (in order, not overlapping) in bold, the rest escaped."""
    parts: list[str] = []
    cursor = 0
    for start, end in spans:
        if start < cursor or end > len(text):
            continue  # the text was shortened past it
        parts.append(escape_markdown(text[cursor:start]))
        parts.append(f"**{escape_markdown(text[start:end])}**")
        cursor = end
    parts.append(escape_markdown(text[cursor:]))
    return "".join(parts)


def emphasize_answer(answer: Answer, text: str) -> str:
    """The quote with what answers the question in bold (see bot.qa.highlight), escaped."""
    return emphasize(text, answer_spans(answer.kind, answer.asked, text))


def readable_date(published: str) -> str:
    """An ISO date as a reader writes it ("10 Jan 2024"); any other text as it is."""
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return published
    return f"{day.day} {day:%b %Y}"


def source_details(document: Document) -> list[str]:
    """What tells a reader who wrote an article and when: publisher, author, date."""
    details = [document.publisher, document.author]
    if document.published:
        details.append(readable_date(document.published))
    return [d for d in details if d]


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


# What each kind of metadata is of its article, as a citation says it: "byline of [1]".
FACT_ROLES = {
    SourceField.AUTHOR: "byline",
    SourceField.PUBLISHER: "publisher",
    SourceField.PUBLISHED: "publication date",
    SourceField.TITLE: "title",
}
METADATA_NOTE = "From the articles' details (byline, publisher, date, title), not their text."


def fact_value(fact: SourceFact) -> str | None:
    """What the article's metadata says, a date as a reader writes it (None: it does not
    say)."""
    if fact.value is None or fact.field is not SourceField.PUBLISHED:
        return fact.value
    return readable_date(fact.value)


def fact_line(fact: SourceFact) -> str:
    """ "Joseph Clark — byline of [1]", or "No byline given in [1]"."""
    value = fact_value(fact)
    role = FACT_ROLES[fact.field]
    if value is None:
        return f"No {role} given in [{fact.source_number}]"
    return f"{value} — {role} of [{fact.source_number}]"


def missing_phrase(missing: Sequence[str]) -> str:
    """ "World Cup", "Gotham and World Cup", "A, B and C"."""
    return ", ".join(missing[:-1]) + " and " + missing[-1] if len(missing) > 1 else missing[0]


def decline_message(answer: Answer) -> str:
    """One line saying why nothing is quoted, naming the closest sources if any."""
    if answer.reason == NOTHING_TO_SEARCH:
        return "Nothing to search for: the question has no words to look up."
    if answer.reason == NOT_IN_CORPUS:
        message = "Not in the corpus: no sentence answers this question well enough."
        if answer.missing:
            message = (
                f"Not in the corpus: the articles never mention {missing_phrase(answer.missing)}."
            )
        if answer.closest:
            message += " Closest sources: " + "; ".join(d.title for d in answer.closest) + "."
        return message
    return f"Cannot answer: {answer.reason}."


def name_notes(passage: Passage) -> list[str]:
    """The notes after a quote that say who a surname in it is: "[Dong: Defense Minister
    Dong Jun]"."""
    return [name.note() for name in passage.names]


def render_text(answer: Answer) -> str:
    """The answer as the bot would post it, for a terminal."""
    if not answer.answered:
        return decline_message(answer)
    source_lines = [f"[{n}] {source_line(d)}" for n, d in enumerate(answer.sources, start=1)]
    if answer.facts:
        facts = [fact_line(f) for f in answer.facts]
        return METADATA_NOTE + "\n" + "\n".join(facts) + "\n\nSources:\n" + "\n".join(source_lines)
    blocks = [
        f"> {emphasize_answer(answer, p.text)}"
        + "".join(f" {note}" for note in name_notes(p))
        + f"\n  {citation(p)}"
        for p in answer.passages
    ]
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
                "names": {name.word: name.name for name in p.names},
                **p.sentence.document.metadata(),
            }
            for p in answer.passages
        ],
        "closest_sources": [d.id for d in answer.closest],
        # A question about the articles themselves, answered from their metadata.
        "about": [
            {
                "field": f.field.value,
                "value": f.value,
                "source": f.source_number,
                "document_id": f.document.id,
                "title": f.document.title,
                **f.document.metadata(),
            }
            for f in answer.facts
        ],
        "missing": list(answer.missing),
        "corpus_version": answer.corpus_version,
    }


@dataclass(frozen=True, slots=True)
class CorpusFacts:
    """What a reader is told about the articles the bot answers from."""

    articles: int
    publishers: tuple[str, ...]
    """The most frequent publishers, most articles first."""
    first_published: str | None
    last_published: str | None
    example_question: str | None
    """A question the corpus answers, for a reader who does not know what to ask."""

    def describe(self) -> str:
        """E.g. "3 articles from DOD News and IRIA, 10 Jan 2024 to 12 Jan 2024" (escaped)."""
        text = f"{self.articles:,} article{'s' if self.articles != 1 else ''}"
        if self.publishers:
            names = [escape_markdown(p) for p in self.publishers]
            text += " from " + (
                ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
            )
        first, last = self.first_published, self.last_published
        if first and last and first != last:
            text += f", {readable_date(first)} to {readable_date(last)}"
        elif first:
            text += f", {readable_date(first)}"
        return text
