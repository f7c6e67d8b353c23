"""The main job (``make demo``): the two-moons example end to end, with fit's progress bar.

Runs ``examples/moons.py`` with its defaults; see that file for what it does.
"""

from moons import main

if __name__ == "__main__":
    main()
