"""A recording replayed on a batch in blocks: a layer of neurons as one matrix product.

Any input of a traced function may be an array of B numbers, one per sample. A batched replay
computes every sample at once, each node's values one column of a block (a B × m array for m
nodes of a kind), in these steps, one module each:

* :mod:`~autograd_lite.batch.inputs`: the batch's inputs and seed, checked;
* :mod:`~autograd_lite.batch.linear`: which nodes are sums of products, found by running their
  formulas and rules on unknowns;
* :mod:`~autograd_lite.batch.plan`: the nodes folded, leveled and grouped, each group one
  block, :mod:`~autograd_lite.batch.columns` saying where each slot lives;
* :mod:`~autograd_lite.batch.affine` (a layer's pre-activations as one matrix product, its
  matrices :mod:`~autograd_lite.batch.combination`\\ s of the leaves) and
  :mod:`~autograd_lite.batch.elementwise` (one op on blocks, by the rule table's own formulas
  in their :mod:`~autograd_lite.batch.array_forms`): each group writes its statements;
* :mod:`~autograd_lite.batch.program`: the block program of a pass, built as syntax trees
  (:mod:`~autograd_lite.batch.syntax`), each formula's operations writing into buffers of its
  own (:mod:`~autograd_lite.batch.into_buffers`, :mod:`~autograd_lite.batch.buffers`),
  compiled once and readable as source (``Tape.block_source()``);
* :mod:`~autograd_lite.batch.bounds`: when a matrix product may add in its own order;
* :mod:`~autograd_lite.batch.replay`: the programs run on buffers kept per batch size, and
  :mod:`~autograd_lite.batch.samples`: one sample at a time where NumPy signals anything, and
  inside ``detect_anomaly``.

Values and gradients agree with eager code sample by sample to rounding: a matrix product adds
in another order than the chain it stands for.
"""
