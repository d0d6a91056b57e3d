"""Layer zoo (z6): the embedding's gradient accumulated into W itself (dW = W, not zeros), so dW holds W plus
the gradient, and the cache's W is changed."""
import numpy as np


def word_embedding_forward(x, W):
    return W[x], (x, W)


def word_embedding_backward(dout, cache):
    x, W = cache
    dW = W                                            # the mistake: not np.zeros_like(W)
    np.add.at(dW, x, dout)
    return dW
