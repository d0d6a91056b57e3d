"""The table's fully connected layers and losses (cs231n assignment 2, `layers.py`): affine, relu,
softmax_loss, svm_loss, batchnorm (and batchnorm_backward_alt), layernorm, dropout."""

from __future__ import annotations

from compare.layers.table.types import Case, Layer, Mistake

BN_TRAIN = {"bn_param": {"mode": "train", "eps": 1e-5, "momentum": 0.9}}
BN_TEST = {"bn_param": {"mode": "test", "eps": 1e-5, "momentum": 0.9}}

NORM_MISTAKES = (
    Mistake("unbiased-variance", ("out", "dx", "dgamma"),
            "a factor n/(n-1) in the variance: normalised with the unbiased variance (divided by N - 1, the "
            "estimator torch keeps in running_var); the interface normalises with the biased one (divided by N)"),
    Mistake("no-mean-term", ("dx",), "the mean term is missing from dx: -(1/N) x the sum of dx_hat over the "
            "normalised axis, times 1/sqrt(var + eps) (every x also moves the mean)"),
    Mistake("no-variance-term", ("dx",), "dx lacks the term through the variance: -(1/N) x_hat x the sum of "
            "dx_hat * x_hat over the normalised axis, times 1/sqrt(var + eps)"),
    Mistake("stats-constant", ("dx",), "dx treats the mean and the variance as constants (dx = dx_hat / "
            "sqrt(var + eps)); both depend on x"),
    Mistake("variance-n-1", ("dx",), "a factor n/(n-1) in dx's variance term: 2 (x - mean) / (N - 1), the "
            "unbiased variance's derivative, where the forward divides by N"),
    Mistake("eps-outside-sqrt", ("out", "dx", "dgamma"), "eps added outside the square root (sqrt(var) + eps); "
            "the interface divides by sqrt(var + eps)"),
    Mistake("dgamma-axis", ("dgamma", "dbeta"), "summed over axis 1 (the features, one number per sample) instead of "
            "axis 0 (the batch); dgamma and dbeta have gamma's shape"),
)
# a backward's mistake of the normalisations with a (batch or feature) mean that the designed offsets expose
UNCENTRED = Mistake("uncentred", ("dx",), "dx's variance term uses x where x - mean belongs: the variance's "
                    "derivative is 2 (x - mean) / N (x alone is right only when the mean is 0)")
BN_MISTAKES = NORM_MISTAKES + (UNCENTRED,
    Mistake("dgamma-mean", ("dgamma", "dbeta"), "a factor N: averaged over the batch where the interface sums "
            "(yours = torch's / N)", "factor", "1/N"),
    Mistake("torch-momentum", ("running_mean", "running_var"), "running = (1 - momentum) x running + momentum "
            "x batch: torch's meaning of momentum (torch's 0.1 is the interface's 0.9); the interface keeps "
            "momentum x running + (1 - momentum) x batch"),
    Mistake("unbiased-running-var", ("running_var",), "running_var updated with the unbiased batch variance "
            "(a factor n/(n-1), as torch's BatchNorm does); the interface uses the biased variance it normalised "
            "with"),
    Mistake("torch-running-var", ("running_var",), "running_var updated the way torch's BatchNorm does it: "
            "momentum meaning the new batch's weight, and the unbiased variance (a factor n/(n-1))"),
    Mistake("running-var-eps", ("running_var",), "running_var updated with var + eps (the eps meant for the "
            "square root): test mode then adds eps a second time"),
    Mistake("test-batch-stats", ("out",), "in test mode the output uses running_mean and running_var, not the "
            "batch's own statistics", case="test mode"),
    Mistake("test-no-affine", ("out",), "in test mode gamma and beta are not applied: out is the normalised x "
            "alone", case="test mode"),
    Mistake("test-eps-outside-sqrt", ("out",), "in test mode eps is added outside the square root "
            "(sqrt(running_var) + eps); the interface divides by sqrt(running_var + eps)", case="test mode"),
)
BN_SHAPES = {"x": "(N, D)", "gamma": "(D,)", "beta": "(D,)", "out": "(N, D)", "dout": "(N, D)",
             "bn_param": "dict: mode 'train' | 'test', eps, momentum, running_mean (D,), running_var (D,)"}
BN_CASES = (
    Case("train, N=6", "a small batch (N/(N-1) = 1.2), features with offsets and scales, non-zero running "
         "statistics (so momentum's meaning shows)",
         {"x": (6, 4), "gamma": (4,), "beta": (4,), "bn_param.running_mean": (4,), "bn_param.running_var": (4,),
          "dout": (6, 4)}, BN_TRAIN, seed=11, design="offset"),
    Case("test mode", "mode 'test': the running statistics, not the batch's",
         {"x": (6, 4), "gamma": (4,), "beta": (4,), "bn_param.running_mean": (4,), "bn_param.running_var": (4,)},
         BN_TEST, seed=12, design="offset", forward_only=True),
    Case("train, only mode given", "bn_param = {'mode': 'train'} as cs231n's notebook passes it: eps (1e-5), "
         "momentum (0.9) and the running statistics (zeros) take their defaults",
         {"x": (5, 3), "gamma": (3,), "beta": (3,), "dout": (5, 3)}, {"bn_param": {"mode": "train"}}, seed=14,
         design="offset"),
)
BN_REFERENCE = ("train: x_hat = (x - x.mean(0)) / sqrt(x.var(0, unbiased=False) + eps), out = gamma x_hat + beta, "
                "autograd through the batch statistics; running_mean = momentum running_mean + (1 - momentum) "
                "mean, running_var likewise with the biased variance; test: the running statistics")


def _batchnorm(name: str, backward: str) -> Layer:
    return Layer(name, "pair", "batchnorm_forward", ("x", "gamma", "beta", "bn_param"), ("x", "gamma", "beta"),
                 ("out",), backward, ("dout",), ("dx", "dgamma", "dbeta"), ("x", "gamma", "beta"), BN_SHAPES,
                 "anything the backward needs (the check passes it back untouched)", BN_REFERENCE, BN_CASES,
                 BN_MISTAKES, state=("running_mean", "running_var"), state_in="bn_param")


DENSE_LAYERS = (
    Layer("affine", "pair", "affine_forward", ("x", "w", "b"), ("x", "w", "b"), ("out",), "affine_backward",
          ("dout",), ("dx", "dw", "db"), ("x", "w", "b"),
          {"x": "(N, d_1, ..., d_k), read as (N, D) with D = d_1 ... d_k", "w": "(D, M)", "b": "(M,)",
           "out": "(N, M)", "dout": "(N, M)", "dx": "x's shape (N, d_1, ..., d_k)"},
          "(x, w, b)", "x.reshape(N, D) @ w + b",
          (Case("x (4, 2, 3)", "x with two trailing axes (dx must be reshaped back), D = 6 != M = 5 (a transposed "
                "dw has another shape), N = 4", {"x": (4, 2, 3), "w": (6, 5), "b": (5,), "dout": (4, 5)}, seed=1),),
          (Mistake("dx-not-reshaped", ("dx",), "dx holds the right numbers as (N, D); reshape it to x's shape "
                   "(N, d_1, ..., d_k)", "reshape"),
           Mistake("transposed", ("dw",), "dw is transposed: dw = x.T @ dout has w's shape (D, M)", "transpose"),
           Mistake("db-axis", ("db",), "db summed over axis 1 (the outputs) instead of axis 0 (the batch)"),
           Mistake("db-mean", ("db", "dw"), "a factor N: averaged over the batch where the interface sums (yours = "
                   "torch's / N)", "factor", "1/N"))),
    Layer("relu", "pair", "relu_forward", ("x",), ("x",), ("out",), "relu_backward", ("dout",), ("dx",), ("x",),
          {"x": "any shape", "out": "x's shape", "dout": "x's shape", "dx": "x's shape"}, "x",
          "torch.relu(x); its gradient at x == 0 is 0",
          (Case("both signs", "positive and negative inputs, none zero", {"x": (4, 5), "dout": (4, 5)}, seed=2),
           Case("zeros (torch's rule)", "inputs exactly 0: pins torch's rule, gradient 0 at x == 0 (dout * (x > 0))",
                {"x": (3, 4), "dout": (3, 4)}, seed=3, design="zeros", convention=True)),
          (Mistake("relu-at-zero", ("dx",), "at x == 0 yours passes the gradient (x >= 0); torch's relu gradient is "
                   "0 there (x > 0)", case="zeros (torch's rule)"),)),
    Layer("softmax_loss", "loss", "softmax_loss", ("x", "y"), ("x", "y"), ("loss",), None, (), ("dx",), ("x",),
          {"x": "(N, C) class scores", "y": "(N,) integer labels in [0, C)", "loss": "a scalar, the mean over N",
           "dx": "(N, C)"}, "", "torch.nn.functional.cross_entropy(x, y) (mean over the batch), its gradient",
          (Case("N=5, C=4", "repeated labels, scores of both signs", {"x": (5, 4), "y": (5,)}, seed=4),
           Case("large scores", "scores near 1000: exp overflows unless each row's maximum is subtracted first",
                {"x": (5, 4), "y": (5,)}, seed=5, design="large")),
          (Mistake("loss-sum", ("loss",), "a factor N: summed over the batch where the interface averages (yours = "
                   "torch's x N)", "factor", "N"),
           Mistake("dx-no-mean", ("dx",), "a factor N: dx not divided by N (the loss is the batch mean)",
                   "factor", "N"),
           Mistake("overflow", ("loss", "dx"), "exp overflowed: subtract each row's maximum from the scores "
                   "before exp (softmax does not change)", "recorded", case="large scores"))),
    Layer("svm_loss", "loss", "svm_loss", ("x", "y"), ("x", "y"), ("loss",), None, (), ("dx",), ("x",),
          {"x": "(N, C) class scores", "y": "(N,) integer labels in [0, C)", "loss": "a scalar, the mean over N",
           "dx": "(N, C)"}, "",
          "margins = relu(x - x[y] + 1) with the correct class's margin left out, loss = margins.sum() / N",
          (Case("N=5, C=4", "margins of both signs, none exactly 0", {"x": (5, 4), "y": (5,)}, seed=6),),
          (Mistake("svm-correct-class", ("loss",), "the correct class's own margin (always 1) is counted; "
                   "leave it out of the sum"),
           Mistake("loss-sum", ("loss",), "a factor N: summed over the batch where the interface averages (yours = "
                   "torch's x N)", "factor", "N"),
           Mistake("dx-no-mean", ("dx",), "a factor N: dx not divided by N (the loss is the batch mean)",
                   "factor", "N"))),
    _batchnorm("batchnorm", "batchnorm_backward"),
    _batchnorm("batchnorm_alt", "batchnorm_backward_alt"),
    Layer("layernorm", "pair", "layernorm_forward", ("x", "gamma", "beta", "ln_param"), ("x", "gamma", "beta"),
          ("out",), "layernorm_backward", ("dout",), ("dx", "dgamma", "dbeta"), ("x", "gamma", "beta"),
          {"x": "(N, D)", "gamma": "(D,)", "beta": "(D,)", "out": "(N, D)", "dout": "(N, D)",
           "ln_param": "dict: eps"}, "anything the backward needs",
          "x_hat = (x - x.mean(1)) / sqrt(x.var(1, unbiased=False) + eps) per sample, out = gamma x_hat + beta",
          (Case("N=4, D=6", "each sample with its own offset and scale; N != D so the axes cannot be confused",
                {"x": (4, 6), "gamma": (6,), "beta": (6,), "dout": (4, 6)}, {"ln_param": {"eps": 1e-5}}, seed=13,
                design="offset"),),
          NORM_MISTAKES + (UNCENTRED,
                           Mistake("over-batch", ("out", "dx", "dgamma"), "normalised over the batch (axis 0, "
                                   "batchnorm's statistics); layernorm normalises each sample over its features "
                                   "(axis 1)"),)),
    Layer("dropout", "dropout", "dropout_forward", ("x", "dropout_param"), ("x",), ("out",), "dropout_backward",
          ("dout",), ("dx",), ("x",),
          {"x": "any shape", "dropout_param": "dict: p (the probability to KEEP a unit), mode 'train' | 'test', "
           "seed", "out": "x's shape", "dx": "x's shape"}, "(dropout_param, mask) or anything the backward needs",
          "train: out = x * mask / p with mask the units your forward kept (read from your out), dx = dout * mask "
          "/ p; test: out = x, dx = dout",
          (Case("train, p=0.8", "2,000 non-zero units: the kept fraction tells p from 1 - p, each kept unit shows "
                "its scale", {"x": (40, 50), "dout": (40, 50)},
                {"dropout_param": {"mode": "train", "p": 0.8, "seed": 123}}, seed=7),
           Case("test mode", "mode 'test': the identity", {"x": (4, 5), "dout": (4, 5)},
                {"dropout_param": {"mode": "test", "p": 0.8, "seed": 123}}, seed=8)),
          (Mistake("scaled-by-p", ("out", "dx"), "kept units multiplied by p; inverted dropout scales them by 1/p "
                   "(p the keep probability)", "drawn"),
           Mistake("not-scaled", ("out", "dx"), "kept units not scaled by 1/p (inverted dropout scales at "
                   "training time so that test time is the identity)", "drawn"),
           Mistake("drop-probability", ("out",), "keeps about 1 - p of the units: p is the keep probability "
                   "here (cs231n's assignments until 2017 and torch's Dropout(p) drop with probability p)", "drawn"),
           Mistake("unmasked", ("dx",), "dx ignores the mask: the units dropped in the forward get no gradient",
                   "drawn"),
           Mistake("test-masked", ("out", "dx"), "in test mode dropout is the identity (out = x, dx = dout)",
                   "drawn", case="test mode"))),
)
