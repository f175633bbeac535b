# Types of the compiled kernel (bot/_kernel.pyx), for mypy.
import numpy as np
import numpy.typing as npt

BLOCK: int

def top_n(
    indptr: npt.NDArray[np.int64],
    documents: npt.NDArray[np.int32],
    impact: npt.NDArray[np.float64],
    term_ids: npt.NDArray[np.int64],
    times: npt.NDArray[np.float64],
    size: int,
    n: int,
    mode: int,
    weight: float,
    group_of: npt.NDArray[np.int32],
    group_indptr: npt.NDArray[np.int64],
    group_documents: npt.NDArray[np.int32],
    group_impact: npt.NDArray[np.float64],
    block: int = ...,
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]: ...
