# Types of the compiled kernel (bot/search/_kernel.pyx), for mypy.
import numpy as np
import numpy.typing as npt

BLOCK: int

def top_n(
    indptr: npt.NDArray[np.int64],
    sentences: npt.NDArray[np.int32],
    impact: npt.NDArray[np.float64],
    term_ids: npt.NDArray[np.int64],
    times: npt.NDArray[np.float64],
    size: int,
    n: int,
    mode: int,
    weight: float,
    paragraph_of: npt.NDArray[np.int32],
    paragraph_indptr: npt.NDArray[np.int64],
    paragraph_units: npt.NDArray[np.int32],
    paragraph_impact: npt.NDArray[np.float64],
    block: int = ...,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]: ...
