"""The benchmark, a package so that its scripts import each other and the examples' data by
their full names: run it from the repository's root as ``python -m bench.run`` (``make bench``)
or ``python -m bench.phases``, ``python -m bench.batch``.

Every script times NumPy with one BLAS thread: set here, before any of them loads NumPy.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
