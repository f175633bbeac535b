"""What a message asks, as plain words (pure: no Discord calls)."""

from __future__ import annotations

import re

# Discord tokens that are not words of a question: user, role and channel mentions,
# custom emoji, timestamps, command mentions, @everyone and @here.
_DISCORD_TOKEN = re.compile(
    r"<(?:@[!&]?\d+|#\d+|a?:\w+:\d+|t:-?\d+(?::[A-Za-z])?|/[^<>:\n]+:\d+)>"
    r"|(?<!\w)@(?:everyone|here)\b"
)
# Markdown markers around words: bold, italics, underline, strike-through, spoilers, code.
_INLINE_MARKUP = re.compile(r"\*+|`+|\|\||~~|(?<![^\W_])_+|_+(?![^\W_])")
# Markdown markers opening a line: block quotes, headings, subtext.
_LINE_MARKUP = re.compile(r"^[ \t]*(?:>>> |> |#{1,3} |-# )", re.MULTILINE)


def question_words(content: str) -> str:
    """What a message asks, as plain words: Discord tokens and Markdown markers taken out
    (the words they mark are kept), whitespace made single."""
    text = _DISCORD_TOKEN.sub(" ", content)
    text = _LINE_MARKUP.sub("", text)
    text = _INLINE_MARKUP.sub("", text)
    return " ".join(text.split())
