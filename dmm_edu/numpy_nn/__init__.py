"""From-scratch numpy networks for the toy problems (imports numpy only).

Layers and activations (`layers`), losses on logits (`losses`), the MLP with parameter and input
gradients (`mlp`), SGD and Adam (`optim`), the training loop with callbacks (`train`), the same full-batch
gradient descent for a stack of many small networks at once (`stacked`) and a central-difference
gradient checker (`gradcheck`).
"""

from dmm_edu.numpy_nn.gradcheck import check_gradient, check_model, numerical_gradient, relative_error
from dmm_edu.numpy_nn.layers import ACTIVATIONS, Activation, Linear
from dmm_edu.numpy_nn.losses import (
    LOSSES,
    binary_logistic,
    get_loss,
    logit_margin,
    logit_margin_loss,
    softmax_cross_entropy,
)
from dmm_edu.numpy_nn.mlp import MLP
from dmm_edu.numpy_nn.optim import OPTIMIZERS, SGD, Adam, make_optimizer
from dmm_edu.numpy_nn.stacked import StackedMLP, StackedState, train_stacked
from dmm_edu.numpy_nn.train import History, TrainState, accuracy, at_steps, every, train

__all__ = [
    "ACTIVATIONS", "LOSSES", "OPTIMIZERS", "MLP", "SGD", "Adam", "Activation", "Linear", "History",
    "TrainState", "accuracy", "at_steps", "binary_logistic", "check_gradient", "check_model", "every",
    "get_loss", "logit_margin", "logit_margin_loss", "make_optimizer", "numerical_gradient",
    "relative_error", "softmax_cross_entropy", "StackedMLP", "StackedState", "train", "train_stacked",
]
