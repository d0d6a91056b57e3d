"""The seed lesson's networks trained with torch the way a torch user writes it: the oracle for the report's
numbers, the random orders included.

Plain tensors in the seed's layout (`A @ W + b`), sigmoid layers, the seed's loss (1/2 the squared error summed
over the outputs, averaged over the batch) through autograd, `torch.optim.SGD`, and a `DataLoader` over a
`TensorDataset` whose order comes from `torch.Generator().manual_seed(seed)` (shuffle: `shuffle=True`;
with replacement: a `RandomSampler(replacement=True)`). It shares no code with compare/, numpy_impl/ or
torch_impl/: only the presets' numbers, copied from the seed lesson.
"""

from __future__ import annotations

import numpy as np

SEED_WEIGHTS = [[[0.8, 0.2], [0.2, 0.8]], [[0.5, 0.0], [0.5, 1.0]], [[0.5], [0.5]]]
SEED_BIASES = [[[-1, 0.3]], [[0.1, -0.1]], [[-0.6]]]
# the exercises' data (inputs, targets) and first layers' weights where they differ from the seed's 2-2-2-1
PRESETS = {
    "hiring": ([[1, 0.1]], [[1]], SEED_WEIGHTS, SEED_BIASES),
    "exercise1": ([[1, 0.1]], [[1.0, 1.0]], SEED_WEIGHTS[:2], SEED_BIASES[:2]),
    "exercise2": ([[1, 0.1], [0.1, 1]], [[1], [0]], SEED_WEIGHTS, SEED_BIASES),
    "exercise3": ([[1, 0.1], [0.1, 1], [0.1, 0.1], [1, 1]], [[1], [0], [0], [1]], SEED_WEIGHTS, SEED_BIASES),
}


def torch_train(preset: str, *, epochs: int, report_every: int, batch_size: int, order: str, seed: int = 0,
                samples_per_epoch: int | None = None, lr: float = 0.1) -> dict:
    """{"loss_log": [(epoch, loss)], "outputs", "predictions", "updates"}: the loss on the whole data set after
    each epoch e with e % report_every == 0, the seed's line `np.mean(np.square(T - A) / 2)`; order
    "sequential" | "shuffle" | "replacement"."""
    import torch
    from torch.utils.data import DataLoader, RandomSampler, TensorDataset

    inputs, targets, weights, biases = PRESETS[preset]
    X = torch.tensor(inputs, dtype=torch.float64)                    # (N, n_0)
    T = torch.tensor(targets, dtype=torch.float64)                   # (N, n_L)
    Ws = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]   # W[l]: (n_l, n_{l+1})
    bs = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]    # b[l]: (1, n_{l+1})

    def forward(A: torch.Tensor) -> torch.Tensor:
        for W, b in zip(Ws, bs):
            A = torch.sigmoid(A @ W + b)
        return A

    dataset = TensorDataset(X, T)
    generator = torch.Generator().manual_seed(seed)
    sampler = None
    if order == "replacement":
        sampler = RandomSampler(dataset, replacement=True, num_samples=samples_per_epoch or len(dataset),
                                generator=generator)
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=(order == "shuffle"), sampler=sampler,
                        generator=generator)
    optimizer = torch.optim.SGD(Ws + bs, lr=lr)
    log, updates = [], 0
    for epoch in range(epochs):
        for xb, tb in loader:
            loss = 0.5 * ((forward(xb) - tb) ** 2).sum() / xb.shape[0]
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            updates += 1
        if epoch % report_every == 0:
            with torch.no_grad():
                A = forward(X).numpy()
            log.append((epoch, float(np.mean(np.square(T.numpy() - A) / 2))))
    with torch.no_grad():
        A = forward(X).numpy()
    return {"loss_log": log, "outputs": A, "predictions": (A >= 0.5).astype(int), "updates": updates}
