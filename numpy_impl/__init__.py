"""Backpropagation by hand, in NumPy only (this package never imports torch).

Shape conventions, the seed's, kept because that is what students derive on paper:

    X        (B, n_0)            a batch of B samples, one per row
    W[l]     (n_l, n_{l+1})      inputs x outputs, so that  Z = A_prev @ W + b
    b[l]     (1, n_{l+1})        one row, broadcast over the batch
    Z[l]     (B, n_{l+1})        pre-activation of layer l+1
    A[l]     (B, n_{l+1})        activation, A = f(Z); activations = [X, A1, ..., AL]
    delta[l] (B, n_{l+1})        dL_i/dZ for each sample i (not yet averaged over the batch)
    dW[l], db[l]                 same shapes as W[l], b[l]: the batch average of the per-sample gradients

`torch.nn.Linear` stores weight as (outputs, inputs); the conversion lives in `torch_impl.layout`.

The package imports NumPy and nothing else of this project: `compare` drives it (training loops, the
lockstep harness), never the other way round.
"""

from numpy_impl.adagrad import Adagrad
from numpy_impl.adam import Adam, AdamW
from numpy_impl.network import backward, forward
from numpy_impl.optimizer import SGD
from numpy_impl.rmsprop import RMSprop
from numpy_impl.trainer import NumpyTrainer

__all__ = ["Adagrad", "Adam", "AdamW", "NumpyTrainer", "RMSprop", "SGD", "backward", "forward"]
