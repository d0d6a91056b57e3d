"""The layer check (`python -m compare check LAYERS.py`): a file of cs231n-style layer functions
(`affine_forward` / `affine_backward`, `batchnorm_forward`, `conv_forward_naive`, `lstm_step_forward`, ...,
and the losses `softmax_loss`, `svm_loss`, `temporal_softmax_loss`) checked layer by layer against torch.

This room owns: the one table of layers (`compare.layers.table`: names, signatures, the torch reference, the
designed inputs, the mistakes and their hints), the recordings made from it with torch
(`compare.layers.record`, `python -m compare.layers.record`; shipped in `compare/layers/data/*.npz`), and the
check that reads them without torch: finding the functions in a file, calling them across the boundary,
comparing every output and gradient element by element, and wording what disagrees.
"""
