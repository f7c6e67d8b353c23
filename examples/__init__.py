"""The examples. Each is a script: run it from the repository's root as
``.venv/bin/python examples/NAME.py`` (``--help`` says what it does).

The two helpers they share start with an underscore, so that they are not taken for examples
and their names cannot collide with an installed package: ``_data`` (the data sets) and
``_output`` (``--out``, the figures). A script imports them as its siblings
(``from _data import make_moons``); other code, such as the benchmark, imports them by their
full names (``from examples._data import make_moons``) from the repository's root.
"""
