"""The main job (``make demo``): the two-moons example end to end, with fit's progress bar.

Runs ``examples/moons.py`` with its defaults (see that file for what it does), and draws the
trained network with its edges sized by weight (``nn.draw_network``) as
``out/moons_network.svg`` and ``.png``. Without Graphviz's ``dot`` that picture is skipped with
a note saying how to get it; the rest runs all the same.
"""

from moons import main

if __name__ == "__main__":
    main(draw_network=True)
