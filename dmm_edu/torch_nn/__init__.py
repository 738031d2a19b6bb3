"""The torch track: models for MNIST/CIFAR-sized images, one training loop, checkpoints, device choice.

Importing this package imports torch (`import dmm_edu` alone does not). Book page: "torch_nn".
"""

from dmm_edu.torch_nn.convert import from_numpy_mlp, to_numpy_mlp
from dmm_edu.torch_nn.checkpoint import load_checkpoint, save_checkpoint
from dmm_edu.torch_nn.device import available_devices, pick_device
from dmm_edu.torch_nn.models import MLP, ConvAutoencoder, SmallCNN, build_model, init_parameters
from dmm_edu.torch_nn.train import History, TrainConfig, evaluate, predict, train_autoencoder, train_classifier

__all__ = [
    "MLP",
    "SmallCNN",
    "ConvAutoencoder",
    "build_model",
    "init_parameters",
    "pick_device",
    "available_devices",
    "TrainConfig",
    "History",
    "train_classifier",
    "train_autoencoder",
    "evaluate",
    "predict",
    "save_checkpoint",
    "load_checkpoint",
    "from_numpy_mlp",
    "to_numpy_mlp",
]
