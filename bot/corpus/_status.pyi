# Types of the compiled file statuses (bot/corpus/_status.pyx), for mypy.
import numpy as np
import numpy.typing as npt

def file_statuses(
    folder: str, names: list[str]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]: ...
