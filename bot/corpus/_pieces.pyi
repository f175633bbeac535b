# Types of the compiled piece joiner (bot/corpus/_pieces.pyx), for mypy.
import numpy as np
import numpy.typing as npt

def nul_joined_pieces(
    text: npt.NDArray[np.uint8], starts: npt.NDArray[np.int64], stops: npt.NDArray[np.int64]
) -> bytes: ...
