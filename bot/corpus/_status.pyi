# Types of the compiled folder listing (bot/corpus/_status.pyx), for mypy.
import numpy as np
import numpy.typing as npt

def folder_entries(
    folder: str, suffixes: tuple[str, ...]
) -> tuple[list[str], list[str], npt.NDArray[np.int64], npt.NDArray[np.int64], list[str]]: ...
