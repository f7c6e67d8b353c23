"""The main job (``make demo``): the two-moons example end to end, with fit's progress bar.

Runs ``examples/moons.py`` with its defaults (see that file for what it does): the network is
trained by ``fit(..., compile=True)``, one sample's loss traced once and every epoch replayed on
NumPy arrays, and the demo says so with the time it took. ``--eager`` also trains the same
network eagerly, building the graph of every sample each epoch, and prints both times: what the
trace buys. It draws the trained network with its edges sized by weight (``nn.draw_network``)
as ``out/moons_network.svg`` and ``.png``. Without Graphviz's ``dot`` that picture is skipped
with a note saying how to get it; the rest runs all the same.
"""

from moons import main

if __name__ == "__main__":
    main(draw_network=True)
