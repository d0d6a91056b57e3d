"""Your recurrent layers: fill in each pair of functions, then check them against torch's autograd:

    python -m compare check examples/layers_rnn_template.py
    python -m compare check examples/layers_rnn_template.py --layer lstm_step

The layers of cs231n's assignment 3 (cs231n/rnn_layers.py), with its names and signatures
(docs/layers-interface.md describes them all). A minibatch holds N sequences of T steps: x is (N, T, D),
hidden states are (N, H), words are integers in [0, V). Weights act from the right (x @ Wx, Wx (D, H)).
Each layer is a pair
    *_forward(inputs...) -> (outputs..., cache)      *_backward(douts..., cache) -> gradients
the gradients in the order of the forward's inputs, each of its input's shape; `cache` is anything your
backward needs, handed back unchanged. Until a function is filled in, it raises NotImplementedError.
"""

import numpy as np  # noqa: F401  (you will need it)


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One step of a vanilla RNN: next_h = tanh(x @ Wx + prev_h @ Wh + b).

    x: (N, D)      prev_h: (N, H)      Wx: (D, H)      Wh: (H, H)      b: (H,)
    Returns next_h (N, H) and cache.
    """
    raise NotImplementedError("rnn_step_forward")


def rnn_step_backward(dnext_h, cache):
    """dnext_h: (N, H). Returns (dx (N, D), dprev_h (N, H), dWx (D, H), dWh (H, H), db (H,))."""
    raise NotImplementedError("rnn_step_backward")


def rnn_forward(x, h0, Wx, Wh, b):
    """A vanilla RNN over a whole sequence, from the initial state h0:
    h[:, t] = tanh(x[:, t] @ Wx + h[:, t - 1] @ Wh + b), with h[:, -1] taken as h0.

    x: (N, T, D)      h0: (N, H)      Wx: (D, H)      Wh: (H, H)      b: (H,)
    Returns h (N, T, H), every step's hidden state, and cache.
    """
    raise NotImplementedError("rnn_forward")


def rnn_backward(dh, cache):
    """dh: (N, T, H), the upstream gradient of every hidden state (the loss reads each of them).
    Returns (dx (N, T, D), dh0 (N, H), dWx (D, H), dWh (H, H), db (H,)).
    h[:, t] also feeds step t + 1: its gradient is dh[:, t] plus what comes back from the next step.
    """
    raise NotImplementedError("rnn_backward")


def word_embedding_forward(x, W):
    """Word embeddings: out[n, t] = W[x[n, t]].

    x: (N, T) integers in [0, V)      W: (V, D), one row per word
    Returns out (N, T, D) and cache.
    """
    raise NotImplementedError("word_embedding_forward")


def word_embedding_backward(dout, cache):
    """dout: (N, T, D). Returns dW (V, D). A word may appear several times in x: its row's gradient is
    the sum over all its appearances.
    """
    raise NotImplementedError("word_embedding_backward")


def temporal_affine_forward(x, w, b):
    """The same affine map at every step: out[:, t] = x[:, t] @ w + b.

    x: (N, T, D)      w: (D, M)      b: (M,)
    Returns out (N, T, M) and cache.
    """
    raise NotImplementedError("temporal_affine_forward")


def temporal_affine_backward(dout, cache):
    """dout: (N, T, M). Returns (dx (N, T, D), dw (D, M), db (M,))."""
    raise NotImplementedError("temporal_affine_backward")


def temporal_softmax_loss(x, y, mask, verbose=False):
    """Softmax cross-entropy at every step where mask is true, summed over the steps and averaged over the
    N sequences (divided by N, not by the number of unmasked steps):

        L = -(1/N) sum over n, t with mask[n, t] of  log softmax(x[n, t])[y[n, t]]

    x: (N, T, V) scores      y: (N, T) integers in [0, V)      mask: (N, T) booleans
    verbose: print shapes while debugging (the check passes False). Returns (loss, dx), dx (N, T, V).
    """
    raise NotImplementedError("temporal_softmax_loss")


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One step of an LSTM. a = x @ Wx + prev_h @ Wh + b has 4H columns, four blocks of H in the order
    i, f, o, g (torch's nn.LSTM stacks i, f, g, o):

        i = sigmoid(a[:, 0:H])     f = sigmoid(a[:, H:2H])     o = sigmoid(a[:, 2H:3H])     g = tanh(a[:, 3H:4H])
        next_c = f * prev_c + i * g          next_h = o * tanh(next_c)

    x: (N, D)      prev_h, prev_c: (N, H)      Wx: (D, 4H)      Wh: (H, 4H)      b: (4H,)
    Returns next_h (N, H), next_c (N, H) and cache.
    """
    raise NotImplementedError("lstm_step_forward")


def lstm_step_backward(dnext_h, dnext_c, cache):
    """dnext_h, dnext_c: (N, H). Returns (dx (N, D), dprev_h (N, H), dprev_c (N, H), dWx (D, 4H),
    dWh (H, 4H), db (4H,)). next_c reaches the loss two ways: directly (dnext_c) and through next_h.
    """
    raise NotImplementedError("lstm_step_backward")


def lstm_forward(x, h0, Wx, Wh, b):
    """An LSTM over a whole sequence from h0, with the initial cell state c0 = 0.

    x: (N, T, D)      h0: (N, H)      Wx: (D, 4H)      Wh: (H, 4H)      b: (4H,)
    Returns h (N, T, H), every step's hidden state (the cell states are not returned), and cache.
    """
    raise NotImplementedError("lstm_forward")


def lstm_backward(dh, cache):
    """dh: (N, T, H). Returns (dx (N, T, D), dh0 (N, H), dWx (D, 4H), dWh (H, 4H), db (4H,)).
    Each step receives from the next one both the hidden state's and the cell state's gradient.
    """
    raise NotImplementedError("lstm_backward")
