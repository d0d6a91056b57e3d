"""Bug zoo in a layered framework's style, checked with --reduction sum: the Activation layer's backward pass
takes the derivative at its output A instead of at its input Z."""
import layered_style


class WrongActivation(layered_style.Activation):
    def forward_pass(self, X):
        self.layer_output = self.activation_func(X)
        return self.layer_output

    def backward_pass(self, accum_grad):
        return accum_grad * self.activation_func.gradient(self.layer_output)   # the mistake: at A


def backward(weights, biases, activations, targets, **settings):
    layered_style.Activation = WrongActivation
    return layered_style.backward(weights, biases, activations, targets, **settings)
