# Types of the compiled word scanner (bot/search/_words.pyx), for mypy.
from array import array

import numpy as np
import numpy.typing as npt

from bot.search.analysis import TermIds

def paragraph_terms(
    text: str,
    spans: list[tuple[int, int]],
    term_ids: TermIds,
    tokens: array[int],
    sentence_tokens: array[int],
) -> None: ...
def map_ids(
    mapping: npt.NDArray[np.int32], ids: npt.NDArray[np.int32], out: npt.NDArray[np.int32]
) -> None: ...
