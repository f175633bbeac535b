# Types of the compiled word scanner (bot/search/_words.pyx), for mypy.
from array import array

from bot.search.analysis import TermIds

def paragraph_terms(
    text: str,
    spans: list[tuple[int, int]],
    term_ids: TermIds,
    tokens: array[int],
    sentence_tokens: array[int],
) -> None: ...
