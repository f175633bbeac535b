"""Cleaning an article body: general rules for text copied from news pages.

The rules are patterns of web pages, never strings of particular articles: page
chrome (comment and subscription prompts, share and read-more links, "back to top")
is dropped; the first footer marker (comment section, related articles, copyright
line) ends the article; byline and date lines become metadata; paragraphs repeated
within an article are kept once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from bot.search.analyzer import normalize

# Lines that are page chrome wherever they stand.
_CHROME = re.compile(
    r"""^(?:
        (?:read|learn|see|find\ out|discover)\ more\b.{0,40}
      | continue\ reading\b.{0,40}
      | back\ to\ top\b.{0,3}
      | (?:share|tweet|email)\ (?:this|on)\b.{0,40}
      | follow\ us\b.{0,60}
      | click\ here\b.{0,80}
      | (?:sign\ up|subscribe)\b.{0,80}
      | enter\ your\ e-?mail(?:\ address)?\W{0,3}
      | your\ e-?mail\ address\ will\ not\ be\ published\b.*
      | required\ fields\ are\ marked\b.*
      | advertisement
      | (?-i:.{0,120}\bNo\ Comments?\ on\ .*[^.!?])
      | \d+\ comments?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# Lines where the article has ended and the page footer begins.
_FOOTER = re.compile(
    r"""^(?:
        leave\ a\ (?:reply|comment)\b.{0,20}
      | comments?\ (?:are\ )?closed\b.{0,20}
      | (?:related|recommended|more)\ (?:articles|posts|stories|news)\b.{0,20}
      | you\ may\ also\ like\b.{0,20}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# "Copyright © 2014-2025 Example Media. All rights reserved." -> "Example Media"
# "Copyright" alone may open a sentence about copyright; a notice has a symbol or a year.
_COPYRIGHT = re.compile(
    r"^(?:©|\(c\)|copyright\s*(?:©|\(c\)|(?=\d{4})))\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*,?\s*"
    r"(?P<holder>.*?)[\s.,]*(?:all rights reserved\.?)?$",
    re.IGNORECASE,
)

_BULLET = re.compile(r"^[•·▪►◦‣⁃]\s*")
_BYLINE = re.compile(r"^(?i:by)\s+(?P<name>[A-Z][\w.'-]*(?:\s+(?:[A-Z][\w.'-]*|and|&))*)$")
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE = re.compile(
    rf"""^(?:(?:published|updated|posted)(?:\s+on)?:?\s*)?
    (?P<date>
        \d{{4}}-\d{{2}}-\d{{2}}
      | (?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}
      | \d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}}
    )?\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_DATE_FORMATS = ("%Y-%m-%d", "%B %d %Y", "%b %d %Y", "%d %B %Y", "%d %b %Y")

# A trailing photo credit on a caption: "(Image Credit: Xinhua)", "  Reuters/File".
_CREDIT = re.compile(
    r"\s*(?:\((?:image|photo|picture|video)\s*(?:credit|courtesy|source)?\s*:[^)]*\)"
    r"|(?<=[.!?])\s+[\w.&-]+(?:\s[\w.&-]+){0,3}/(?:file|handout|pool)(?:\s+photo)?)\s*$",
    re.IGNORECASE,
)

# A line without closing punctuation and this many words or fewer is a heading,
# caption title or link label, not prose to quote.
_HEADING_MAX_WORDS = 8
_SENTENCE_END = tuple(".!?\"')]:;")

_MARKDOWN_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKDOWN_PREFIX = re.compile(r"^(?:#{1,6}\s+|>\s*|[-*+]\s+(?=\S))")
# Emphasis markers around words, not underscores inside them (snake_case stays).
_MARKDOWN_EMPHASIS = re.compile(r"(?<!\w)(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1(?!\w)")


def _parse_date(text: str) -> str:
    """ISO form of a date line's date where it parses; the text as written otherwise."""
    cleaned = re.sub(r"[.,]", "", text).strip()
    cleaned = re.sub(r"\bSept\b", "Sep", cleaned, flags=re.IGNORECASE)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    return text


@dataclass
class CleanedBody:
    paragraphs: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)


def _clean_line(line: str, title: str, found: dict[str, str]) -> str | None:
    """The line as prose to keep, or None (metadata goes into `found`)."""
    bullet = _BULLET.match(line)
    if bullet:
        line = line[bullet.end() :]
    if (byline := _BYLINE.match(line)) and len(line.split()) <= 8:
        found.setdefault("author", byline.group("name"))
        return None
    if (dated := _DATE.match(line)) and (bullet or dated.group("date") != line):
        if dated.group("date"):
            found.setdefault("published", _parse_date(dated.group("date")))
        return None
    if dated and dated.group("date"):  # a bare date on its own line
        found.setdefault("published", _parse_date(line))
        return None
    if bullet and not line.endswith(_SENTENCE_END):
        return None  # other bullet metadata: section names, tags, outlet labels
    if line.casefold() == title.casefold() or _CHROME.match(line):
        return None
    if "/" in line or ")" in line:  # a credit needs one of them; the search is slow
        line = _CREDIT.sub("", line)
    if not line.endswith(_SENTENCE_END) and len(line.split()) <= _HEADING_MAX_WORDS:
        return None
    return line


def clean_body(title: str, body: str, *, markdown: bool = False) -> CleanedBody:
    """Turn an article body into paragraphs of prose plus metadata found in it."""
    cleaned = CleanedBody()
    block: list[str] = []
    seen: set[str] = set()

    def close_block() -> None:
        if block:
            paragraph = " ".join(block)
            key = paragraph.casefold()
            if key not in seen:  # a paragraph repeated within an article is kept once
                seen.add(key)
                cleaned.paragraphs.append(paragraph)
            block.clear()

    in_footer = False
    for raw in body.split("\n"):
        line = normalize(raw)
        if markdown:
            line = _strip_markdown(line)
        if not line:
            close_block()
            continue
        if copyright_line := _COPYRIGHT.match(line):
            # The copyright holder is the publisher; the footer it opens is not prose.
            if holder := copyright_line.group("holder").strip():
                cleaned.metadata.setdefault("publisher", holder)
            break
        in_footer = in_footer or bool(_FOOTER.match(line))
        if in_footer:
            continue  # past the article's end, only a copyright line still matters
        kept = _clean_line(line, title, cleaned.metadata)
        if kept is not None:
            block.append(kept)
    close_block()
    return cleaned


def _strip_markdown(line: str) -> str:
    line = _MARKDOWN_PREFIX.sub("", line)
    line = _MARKDOWN_LINK.sub(r"\1", line)
    return _MARKDOWN_EMPHASIS.sub(r"\2", line)
