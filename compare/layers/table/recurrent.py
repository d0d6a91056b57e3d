"""The table's recurrent layers (cs231n assignment 3, `rnn_layers.py`): rnn_step, rnn, word_embedding,
temporal_affine, temporal_softmax_loss, lstm_step, lstm."""

from __future__ import annotations

from compare.layers.table.types import Case, Layer, Mistake

RNN_STEP_SHAPES = {"x": "(N, D)", "prev_h": "(N, H)", "Wx": "(D, H)", "Wh": "(H, H)", "b": "(H,)",
                   "next_h": "(N, H)", "dnext_h": "(N, H)"}
RNN_SHAPES = {"x": "(N, T, D)", "h0": "(N, H)", "Wx": "(D, H)", "Wh": "(H, H)", "b": "(H,)", "h": "(N, T, H)",
              "dh": "(N, T, H): the upstream gradient of every hidden state", "dh0": "(N, H)"}
LSTM_STEP_SHAPES = {"x": "(N, D)", "prev_h": "(N, H)", "prev_c": "(N, H)", "Wx": "(D, 4H)", "Wh": "(H, 4H)",
                    "b": "(4H,)", "next_h": "(N, H)", "next_c": "(N, H)", "dnext_h": "(N, H)", "dnext_c": "(N, H)",
                    "gates": "a = x Wx + prev_h Wh + b, (N, 4H), in blocks of H: i, f, o, g (input, forget, output: "
                             "sigmoid; g: tanh); next_c = f prev_c + i g, next_h = o tanh(next_c)"}
LSTM_SHAPES = {"x": "(N, T, D)", "h0": "(N, H)", "Wx": "(D, 4H)", "Wh": "(H, 4H)", "b": "(4H,)",
               "h": "(N, T, H)", "dh": "(N, T, H)", "dh0": "(N, H)",
               "gates": "as lstm_step (i, f, o, g); the initial cell state is zero"}

GATE_ORDER = Mistake("torch-gate-order", ("next_h", "next_c", "h", "dx", "dprev_h", "dprev_c", "dWx", "dWh", "db",
                                          "dh0"),
                     "torch's gate order i, f, g, o; the interface's blocks are i, f, o, g")
GATES_PERMUTED = Mistake("gates-permuted", ("next_h", "next_c", "h"), "the gates are read from a's blocks in "
                         "another order: the interface's is i, f, o, g (i = a[:, :H], f = a[:, H:2H], o = a[:, 2H:3H], "
                         "g = a[:, 3H:])", "gates")
GATE_BLOCKS = Mistake("gate-blocks-swapped", ("dWx", "dWh", "db"), "the o and g blocks of the gate gradient are "
                      "swapped (torch's order i, f, g, o); the interface's blocks are i, f, o, g", "blocks")
NO_NEXT_STEP = Mistake("no-next-step", ("dx", "dh0", "dWx", "dWh", "db"), "the next step's gradient is missing: each "
                       "step's hidden-state gradient is dh[:, t] plus what step t + 1 sends back (dprev_h)")
OVERWRITTEN = Mistake("overwritten", ("dWx", "dWh", "db"), "the weight gradients are overwritten at each time step "
                      "(only step 0's is left); they accumulate (+=) over the steps")
TRANSPOSED_WH = Mistake("transposed", ("dWh",), "dWh is transposed: dWh = prev_h.T @ da", "transpose")
TRANSPOSED_WX = Mistake("transposed-wx", ("dWx",), "dWx is transposed: dWx = x.T @ da has Wx's shape (D, H)",
                        "transpose")

RECURRENT_LAYERS = (
    Layer("rnn_step", "pair", "rnn_step_forward", ("x", "prev_h", "Wx", "Wh", "b"), ("x", "prev_h", "Wx", "Wh", "b"),
          ("next_h",), "rnn_step_backward", ("dnext_h",), ("dx", "dprev_h", "dWx", "dWh", "db"),
          ("x", "prev_h", "Wx", "Wh", "b"), RNN_STEP_SHAPES, "anything the backward needs",
          "next_h = tanh(x @ Wx + prev_h @ Wh + b)",
          (Case("N=3, D=5, H=4", "D != H (a swapped Wx / Wh has another shape), Wh not symmetric",
                {"x": (3, 5), "prev_h": (3, 4), "Wx": (5, 4), "Wh": (4, 4), "b": (4,), "dnext_h": (3, 4)}, seed=31),),
          (TRANSPOSED_WH, TRANSPOSED_WX,
           Mistake("tanh-derivative", ("dx", "dprev_h", "dWx", "dWh", "db"), "tanh's derivative taken at the "
                   "pre-activation: it is 1 - next_h**2, with next_h = tanh(a)"),
           Mistake("tanh-of-output", ("dx", "dprev_h", "dWx", "dWh", "db"), "tanh's derivative taken as 1 - "
                   "tanh(next_h)**2: next_h is already tanh(a), so the derivative is 1 - next_h**2"))),
    Layer("rnn", "pair", "rnn_forward", ("x", "h0", "Wx", "Wh", "b"), ("x", "h0", "Wx", "Wh", "b"), ("h",),
          "rnn_backward", ("dh",), ("dx", "dh0", "dWx", "dWh", "db"), ("x", "h0", "Wx", "Wh", "b"), RNN_SHAPES,
          "anything the backward needs", "h[:, t] = tanh(x[:, t] @ Wx + h[:, t-1] @ Wh + b), h[:, -1] = h0",
          (Case("N=3, T=4, D=5, H=6", "four time steps from a non-zero h0, an upstream gradient at every step",
                {"x": (3, 4, 5), "h0": (3, 6), "Wx": (5, 6), "Wh": (6, 6), "b": (6,), "dh": (3, 4, 6)}, seed=32),),
          (NO_NEXT_STEP, OVERWRITTEN, TRANSPOSED_WH, TRANSPOSED_WX)),
    Layer("word_embedding", "pair", "word_embedding_forward", ("x", "W"), ("x", "W"), ("out",),
          "word_embedding_backward", ("dout",), ("dW",), ("W",),
          {"x": "(N, T) integer indices in [0, V)", "W": "(V, D)", "out": "(N, T, D)", "dout": "(N, T, D)",
           "dW": "(V, D); x gets no gradient"}, "anything the backward needs", "W[x] (torch.nn.functional.embedding)",
          (Case("N=3, T=4, V=7, D=5", "repeated indices (their gradients add up) and a word never used",
                {"x": (3, 4), "W": (7, 5), "dout": (3, 4, 5)}, seed=33, design="indices"),),
          (Mistake("overwritten", ("dW",), "dW is overwritten where an index repeats (dW[x] = dout keeps one); "
                   "repeated indices accumulate: np.add.at(dW, x, dout)"),)),
    Layer("temporal_affine", "pair", "temporal_affine_forward", ("x", "w", "b"), ("x", "w", "b"), ("out",),
          "temporal_affine_backward", ("dout",), ("dx", "dw", "db"), ("x", "w", "b"),
          {"x": "(N, T, D)", "w": "(D, M)", "b": "(M,)", "out": "(N, T, M)", "dout": "(N, T, M)"},
          "(x, w, b, out)", "x @ w + b at every time step",
          (Case("N=3, T=4, D=5, M=6", "D != M, three axes", {"x": (3, 4, 5), "w": (5, 6), "b": (6,),
                                                             "dout": (3, 4, 6)}, seed=34),),
          (Mistake("dx-not-reshaped", ("dx",), "dx holds the right numbers as (N T, D); reshape it to (N, T, D)",
                   "reshape"),
           Mistake("db-axis", ("db",), "db summed over axis 0 only (the batch), one row per time step; it sums "
                   "over the batch and the time steps (axes 0 and 1)"),
           Mistake("db-mean", ("db", "dw"), "a factor N: averaged over the batch where the interface sums", "factor",
                   "1/N"))),
    Layer("temporal_softmax_loss", "loss", "temporal_softmax_loss", ("x", "y", "mask"), ("x", "y", "mask"),
          ("loss",), None, (), ("dx",), ("x",),
          {"x": "(N, T, V) scores", "y": "(N, T) integer labels in [0, V)", "mask": "(N, T) booleans: which "
           "steps count", "loss": "the masked sum of cross-entropies divided by N (not by T, not by the mask's "
           "sum)", "dx": "(N, T, V)"}, "",
          "sum over (n, t) of mask[n, t] x cross_entropy(x[n, t], y[n, t]), divided by N",
          (Case("N=3, T=4, V=6", "a mask with zeros (4 of 12 steps off)", {"x": (3, 4, 6), "y": (3, 4),
                                                                           "mask": (3, 4)}, seed=35, design="mask"),),
          (Mistake("mask-ignored", ("loss", "dx"), "the mask is ignored: steps with mask 0 count neither in the "
                   "loss nor in dx"),
           Mistake("divided-by-NT", ("loss", "dx"), "divided by N T; the interface divides by N only", "factor",
                   "1/T"),
           Mistake("divided-by-mask", ("loss", "dx"), "divided by the number of unmasked steps; the interface "
                   "divides by N", "factor", "N/mask_sum"))),
    Layer("lstm_step", "pair", "lstm_step_forward", ("x", "prev_h", "prev_c", "Wx", "Wh", "b"),
          ("x", "prev_h", "prev_c", "Wx", "Wh", "b"), ("next_h", "next_c"), "lstm_step_backward",
          ("dnext_h", "dnext_c"), ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"),
          ("x", "prev_h", "prev_c", "Wx", "Wh", "b"), LSTM_STEP_SHAPES, "anything the backward needs",
          "a = x @ Wx + prev_h @ Wh + b; i, f, o = sigmoid(a's blocks 0, 1, 2), g = tanh(block 3)",
          (Case("N=3, D=5, H=4", "D != H, non-zero prev_c, upstream gradients on both next_h and next_c",
                {"x": (3, 5), "prev_h": (3, 4), "prev_c": (3, 4), "Wx": (5, 16), "Wh": (4, 16), "b": (16,),
                 "dnext_h": (3, 4), "dnext_c": (3, 4)}, seed=36),),
          (GATE_ORDER, GATES_PERMUTED, GATE_BLOCKS,
           Mistake("no-dnext-c", ("dx", "dprev_h", "dprev_c", "dWx", "dWh", "db"), "dnext_c is left out: the cell "
                   "state's gradient is dnext_c plus what flows from next_h through tanh(next_c)"))),
    Layer("lstm", "pair", "lstm_forward", ("x", "h0", "Wx", "Wh", "b"), ("x", "h0", "Wx", "Wh", "b"), ("h",),
          "lstm_backward", ("dh",), ("dx", "dh0", "dWx", "dWh", "db"), ("x", "h0", "Wx", "Wh", "b"), LSTM_SHAPES,
          "anything the backward needs", "lstm_step at every time step from h0 and a zero cell state",
          (Case("N=3, T=4, D=5, H=6", "four time steps from a non-zero h0, an upstream gradient at every step",
                {"x": (3, 4, 5), "h0": (3, 6), "Wx": (5, 24), "Wh": (6, 24), "b": (24,), "dh": (3, 4, 6)}, seed=37),),
          (GATE_ORDER, GATES_PERMUTED, GATE_BLOCKS, NO_NEXT_STEP, OVERWRITTEN,
           Mistake("no-cell-next-step", ("dx", "dh0", "dWx", "dWh", "db"), "the cell state's gradient from the "
                   "next step is missing: each step's dc is dprev_c from step t + 1 plus what flows from h"))),
)
