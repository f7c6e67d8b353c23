"""The benchmark, a package so that its scripts import each other and the examples' data by
their full names: run it from the repository's root as ``python -m bench.run`` (``make bench``)
or ``python -m bench.phases``.
"""
