"""Answers, declines, help and documents as Discord embeds, always within Discord's limits.

Limits (discord.com/developers/docs/resources/message#embed-object-embed-limits):
content 2000; embed title 256, description 4096, field name 256, field value
1024, 25 fields, 6000 characters in all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit

import discord

from bot.corpus import Document
from bot.qa.answer import NOTHING_TO_SEARCH, Answer, Passage
from bot.qa.highlight import answer_spans
from bot.render import (
    FACT_ROLES,
    CorpusFacts,
    emphasize,
    escape_markdown,
    fact_value,
    missing_phrase,
    name_notes,
    readable_date,
    source_details,
)
from bot.search.index import Sentence

CONTENT_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
FIELD_COUNT_LIMIT = 25
EMBED_TOTAL_LIMIT = 6000
FOOTER_LIMIT = 2048
URL_LIMIT = 2048  # longer embed URLs are refused

QUOTE_SEPARATOR = "\n\n"
# What would end a URL written inside <...>, or that no URL holds unencoded.
_UNSAFE_IN_URL = re.compile(r"[\s<>()]")

ANSWER_COLOUR = discord.Colour.blurple()
DECLINE_COLOUR = discord.Colour.dark_grey()
SUCCESS_COLOUR = discord.Colour.green()
FAILURE_COLOUR = discord.Colour.red()
ELLIPSIS = "…"
# A source's title and each of its details are cut to these in a source line: a line
# a reader takes in at a glance, and room for the quotes.
SOURCE_TITLE_CHARS = 120
SOURCE_DETAIL_CHARS = 60


def clip(text: str, limit: int) -> str:
    """Plain text cut to `limit` characters, with an ellipsis when cut."""
    if limit <= 0:
        return ""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + ELLIPSIS


def _fit_markdown(raw: str, limit: int, render: Callable[[str], str]) -> str:
    """`render(raw)`, with `raw` shortened until the rendered Markdown fits `limit`.

    Shortening the source text rather than the Markdown never leaves a bold
    marker or an escape cut in half.
    """
    rendered = render(raw)
    while len(rendered) > limit and raw:
        keep = max(0, min(len(raw) - 1, len(raw) * limit // len(rendered) - 2))
        raw = raw[:keep].rstrip() + ELLIPSIS if keep else ""
        rendered = render(raw)
    return rendered


def web_url(url: str | None) -> str | None:
    """`url` if it is an http(s) address Discord can link to, else None.

    Discord refuses a whole message (HTTP 400) for an embed URL it cannot parse,
    and a `file:` or `javascript:` link has no business in an answer.
    """
    if not url or len(url) > URL_LIMIT or _UNSAFE_IN_URL.search(url):
        return None
    parts = urlsplit(url)
    return url if parts.scheme.lower() in {"http", "https"} and parts.netloc else None


def link(label: str, url: str | None) -> str:
    """`label` (Markdown already) as a link to `url` when it is one Discord can show."""
    safe = web_url(url)
    # <...> around a URL keeps Discord from unfurling a preview of it.
    return f"[{label}](<{safe}>)" if safe else label


def title_link(document: Document, limit: int = SOURCE_TITLE_CHARS) -> str:
    """The document's title, escaped and cut to `limit`, linked to it when its URL is known."""
    return link(escape_markdown(clip(document.title, limit)), document.url)


def split_room(needs: list[int], room: int) -> list[int]:
    """Split `room` among parts needing `needs` characters: none gets more than it needs, and
    what a short part leaves is shared among the longer ones."""
    shares = [0] * len(needs)
    left = room
    for done, at in enumerate(sorted(range(len(needs)), key=needs.__getitem__)):
        shares[at] = min(needs[at], left // (len(needs) - done))
        left -= shares[at]
    return shares


def lines_within(lines: Sequence[Sequence[str]], room: int, separator: str = "\n") -> str:
    """One line from each list of choices (fullest first), all joined within `room`: each
    line takes the fullest choice that fits its share, else its last choice clipped."""
    if not lines:
        return ""
    room -= len(separator) * (len(lines) - 1)
    budgets = split_room([len(choices[0]) for choices in lines], max(0, room))
    chosen = []
    for choices, budget in zip(lines, budgets, strict=True):
        fitting = next((c for c in choices if len(c) <= budget), None)
        chosen.append(fitting if fitting is not None else clip(choices[-1], budget))
    return separator.join(line for line in chosen if line)


# --- answers -----------------------------------------------------------------------------


def _source_line_choices(number: int, document: Document) -> list[str]:
    """A source's line, from fullest to barest: number, linked title, publisher, author, date.
    The title is said once; the plain choices drop the link, then the details."""
    details = " · ".join(
        escape_markdown(clip(d, SOURCE_DETAIL_CHARS)) for d in source_details(document)
    )
    tail = f" · {details}" if details else ""
    plain = escape_markdown(clip(document.title, SOURCE_TITLE_CHARS))
    short = escape_markdown(clip(document.title, 40))
    dated = (
        f" · {escape_markdown(clip(readable_date(document.published), 20))}"
        if document.published
        else ""
    )
    return [
        f"**{number}** · {title_link(document)}{tail}",
        f"**{number}** · {plain}{tail}",
        f"**{number}** · {short}{dated}",
    ]


def _quote(answer: Answer, passage: Passage, document: Document, budget: int) -> str:
    """A quote block: the quoted text, what answers in bold, and its number linking to the
    article (a plain number when room is short)."""
    number = passage.source_number
    label = "\\[" + str(number) + "\\]"
    linked = " " + link(label, document.url)
    # The link is worth its characters while the quote keeps its room.
    tag = linked if len(linked) + 2 + min(len(passage.text), 80) <= budget else " " + label

    def render(raw: str) -> str:
        return emphasize(raw, answer_spans(answer.kind, answer.asked, raw))

    # Who a surname in the quote is, when the article said so earlier: kept while it fits.
    notes = "".join(f" *{escape_markdown(note)}*" for note in name_notes(passage))
    if len(notes) + len(tag) + min(len(passage.text), 80) + 2 > budget:
        notes = ""
    text = _fit_markdown(passage.text, max(0, budget - len(notes) - len(tag) - 2), render)
    # Every line of a quote needs its marker: a quote may hold a line break.
    return "> " + f"{text}{tag}{notes}".replace("\n", "\n> ")


def answer_embed(
    answer: Answer,
    *,
    articles: int,
    title: str | None = None,
) -> discord.Embed:
    """The quotes, what answers in bold, each with its linked number; then one "Sources"
    block, one line a cited source; a footer saying where the quotes come from.

    `articles` is how many articles the corpus holds; `title` is shown above the quotes
    (the question for /ask, where Discord does not show it; None for a reply, whose
    preview shows it). Passages keep their `source_number`: More shows the answer's.
    """
    if answer.facts:
        return _metadata_embed(answer, articles=articles, title=title)
    numbers = sorted({p.source_number for p in answer.passages})
    cited = [(n, answer.sources[n - 1]) for n in numbers if 0 < n <= len(answer.sources)]
    noun = "article" if articles == 1 else "articles"
    footer = f"Quoted word for word from {len(cited)} of {articles:,} {noun} · /sources lists them"
    embed = discord.Embed(title=clip(title, TITLE_LIMIT) if title else None, colour=ANSWER_COLOUR)
    embed.set_footer(text=footer)

    heading = "\n\n**Sources**\n"
    source_choices = [_source_line_choices(n, d) for n, d in cited]
    quote_needs = [
        len(_quote(answer, p, answer.sources[p.source_number - 1], DESCRIPTION_LIMIT))
        for p in answer.passages
    ]
    separators = len(QUOTE_SEPARATOR) * max(0, len(answer.passages) - 1)
    sources_wanted = len(heading) + sum(len(c[0]) + 1 for c in source_choices)
    quotes_wanted = separators + sum(quote_needs)
    # The sources take what the quotes leave, but never more than half when quotes need it.
    sources_room = max(DESCRIPTION_LIMIT - quotes_wanted, DESCRIPTION_LIMIT // 2)
    sources = heading + lines_within(
        source_choices, min(sources_wanted, sources_room) - len(heading)
    )
    quotes_room = DESCRIPTION_LIMIT - len(sources) - separators
    budgets = split_room(quote_needs, max(0, quotes_room))
    quotes = QUOTE_SEPARATOR.join(
        _quote(answer, p, answer.sources[p.source_number - 1], budget)
        for p, budget in zip(answer.passages, budgets, strict=True)
    )
    embed.description = (quotes + sources)[:DESCRIPTION_LIMIT]
    return embed


def _metadata_embed(answer: Answer, *, articles: int, title: str | None) -> discord.Embed:
    """A question about the articles themselves: one line a fact, its value in bold and
    its article's linked number ("**Joseph Clark** — byline of [1]"), the sources, and a
    footer saying the answer is the articles' details, not their text."""
    embed = discord.Embed(title=clip(title, TITLE_LIMIT) if title else None, colour=ANSWER_COLOUR)
    noun = "article" if articles == 1 else "articles"
    embed.set_footer(
        text=f"From the details of {len(answer.sources)} of {articles:,} {noun}, not their "
        "text · /sources lists them"
    )
    lines = []
    for fact in answer.facts:
        number = link("\\[" + str(fact.source_number) + "\\]", fact.document.url)
        value = fact_value(fact)
        role = FACT_ROLES[fact.field]
        if value is None:
            lines.append([f"No {role} given in {number}", f"No {role} given"])
        else:
            shown = escape_markdown(clip(value, SOURCE_TITLE_CHARS))
            lines.append([f"**{shown}** — {role} of {number}", f"**{shown}** — {role}"])
    heading = "\n\n**Sources**\n"
    sources = heading + lines_within(
        [_source_line_choices(n, d) for n, d in enumerate(answer.sources, start=1)],
        DESCRIPTION_LIMIT // 2 - len(heading),
    )
    embed.description = lines_within(lines, DESCRIPTION_LIMIT - len(sources)) + sources
    return embed


def decline_embed(answer: Answer, facts: CorpusFacts) -> discord.Embed:
    """What the bot says when no sentence answers: plainly that the articles don't say,
    the closest articles as links, and what to try instead. An empty question gets the
    help card instead."""
    if answer.reason == NOTHING_TO_SEARCH:
        return help_embed(facts)
    embed = discord.Embed(
        title="I couldn't find that in the news articles I have", colour=DECLINE_COLOUR
    )
    noun = "article" if facts.articles == 1 else "articles"
    if answer.reason and answer.reason.startswith("question too long"):
        intro = f"That question is too long for me: {escape_markdown(answer.reason)}."
    elif answer.missing:
        named = missing_phrase([f"**{escape_markdown(clip(m, 100))}**" for m in answer.missing[:5]])
        intro = f"The {facts.articles:,} {noun} I search never mention {named}."
    else:
        intro = f"No sentence in the {facts.articles:,} {noun} I search answers this."
    closest = [f"- {title_link(d)}" for d in answer.closest[:5]]
    if closest:
        intro += " Closest articles:"
    tip = "Try asking about who, what, where or when"
    if facts.example_question:
        tip += f", for example “{escape_markdown(facts.example_question)}”"
    tip += ", or browse the articles with `/sources`."
    room = DESCRIPTION_LIMIT - len(intro) - len(tip) - 4
    body = lines_within([[line] for line in closest], room)
    embed.description = "\n".join(p for p in (intro, body) if p) + "\n\n" + tip
    return embed


def help_embed(facts: CorpusFacts) -> discord.Embed:
    """For a question with nothing to look up: what the bot knows and how to ask it."""
    embed = discord.Embed(title="Ask me about the news", colour=ANSWER_COLOUR)
    lines = [
        f"I answer with sentences quoted word for word from {facts.describe()}.",
        "",
        "Mention me with a question, or use `/ask`.",
    ]
    if facts.example_question:
        lines.append(f"For example: “{escape_markdown(facts.example_question)}”")
    lines.append("`/sources` lists the articles.")
    embed.description = clip("\n".join(lines), DESCRIPTION_LIMIT)
    return embed


# --- documents ---------------------------------------------------------------------------


def document_embed(
    document: Document, sentences: tuple[Sentence, ...], opening: int = 5
) -> discord.Embed:
    """One document: its linked title, who published it and when, and its opening sentences."""
    embed = discord.Embed(title=clip(document.title, TITLE_LIMIT), colour=ANSWER_COLOUR)
    url = web_url(document.url)
    if url:
        embed.url = url
    for name, value in (
        ("Publisher", document.publisher),
        ("Author", document.author),
        ("Published", readable_date(document.published) if document.published else None),
    ):
        if value:
            embed.add_field(name=name, value=clip(escape_markdown(value), FIELD_VALUE_LIMIT))
    embed.set_footer(text="Ask about it with /ask · /sources lists every article")
    room = min(DESCRIPTION_LIMIT, EMBED_TOTAL_LIMIT - len(embed) - 10)
    opening_lines = [[escape_markdown(s.text)] for s in sentences[:opening]]
    embed.description = lines_within(opening_lines, room) or None
    return embed


def source_list_line(document: Document) -> str:
    """One line of /sources: the linked title, publisher and date."""
    details = [
        document.publisher,
        readable_date(document.published) if document.published else None,
    ]
    shown = " · ".join(escape_markdown(clip(d, SOURCE_DETAIL_CHARS)) for d in details if d)
    return f"{title_link(document, 150)}" + (f" · {shown}" if shown else "")


def paginate_lines(
    lines: list[str], limit: int = DESCRIPTION_LIMIT, per_page: int = 10
) -> list[list[int]]:
    """Group lines (by index) into pages of at most `per_page` lines and `limit` characters
    (a line longer than `limit` alone on its page, cut when shown)."""
    pages: list[list[int]] = []
    current: list[int] = []
    used = 0
    for at, line in enumerate(lines):
        size = min(len(line), limit) + 1
        if current and (len(current) == per_page or used + size > limit + 1):
            pages.append(current)
            current, used = [], 0
        current.append(at)
        used += size
    if current:
        pages.append(current)
    return pages or [[]]
