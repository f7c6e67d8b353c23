"""optim: the updates of the course notes for autograd-lite's Values.

* :class:`GradientDescent` — full-batch steps wₖ₊₁ = wₖ − αₖ∇E(wₖ) with the exact line search
  αₖ = argmin_{α>0} E(wₖ − α∇E(wₖ)), Armijo backtracking, or a fixed step.
* :class:`SGD` — w ← w − γₖ g on a sample's or a mini-batch's gradient, with (Nesterov)
  momentum; :class:`Adam`.
* Schedules k ↦ γₖ: :func:`constant`, :func:`inverse_time` (γ₀/(k+1)), :func:`linear`,
  :func:`exponential`.
* :func:`grad_norm` (‖∇‖₂, the stopping rule's quantity) and :func:`batches`.
* :func:`fit` — the training loop, returning a :class:`History`.

Only duck typing ties this package to a model: anything callable with a ``parameters()``
method that returns Values.
"""

from optim.adam import Adam
from optim.batches import batches
from optim.fit import fit
from optim.gradient_descent import GradientDescent
from optim.history import History
from optim.optimizer import Optimizer, OptimizerState
from optim.params import grad_norm
from optim.schedules import Schedule, constant, exponential, inverse_time, linear
from optim.sgd import SGD

__all__ = [
    "SGD",
    "Adam",
    "GradientDescent",
    "History",
    "Optimizer",
    "OptimizerState",
    "Schedule",
    "batches",
    "constant",
    "exponential",
    "fit",
    "grad_norm",
    "inverse_time",
    "linear",
]
