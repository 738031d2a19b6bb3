"""User mistakes raise an exception that names the argument, the value and what is accepted."""

import numpy as np
import pytest

from dmm_edu.attacks import deepfool
from dmm_edu.numpy_nn import MLP, SGD, Adam, get_loss, losses, make_optimizer, train


@pytest.fixture
def net(rng):
    return MLP([3, 5, 2], rng=rng)


def test_sizes_not_a_list(rng):
    with pytest.raises(ValueError, match=r"sizes=5 .*list of at least 2"):
        MLP(5, rng=rng)


def test_non_positive_layer_width(rng):
    with pytest.raises(ValueError, match=r"sizes\[1\]=0 .*integer >= 1"):
        MLP([3, 0, 2], rng=rng)


def test_unknown_activation(rng):
    with pytest.raises(ValueError, match=r"activation='gelu' .*\['relu', 'tanh', 'sigmoid', 'softplus'\]"):
        MLP([3, 2], "gelu", rng=rng)


def test_non_positive_init_scale(rng):
    with pytest.raises(ValueError, match=r"c=-1.0 .*finite number > 0"):
        MLP([3, 2], c=-1.0, rng=rng)


def test_nan_init_scale(rng):
    with pytest.raises(ValueError, match=r"c=nan"):
        MLP([3, 2], c=float("nan"), rng=rng)


def test_unknown_init(rng):
    with pytest.raises(ValueError, match=r"init='xavier' .*\['normal', 'uniform'\]"):
        MLP([3, 2], init="xavier", rng=rng)


def test_integer_dtype(rng):
    with pytest.raises(ValueError, match=r"dtype=.*int.* float32 or float64"):
        MLP([3, 2], rng=rng, dtype=np.int32)


def test_missing_generator():
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator.*got 0"):
        MLP([3, 2], rng=0)


def test_wrong_input_width(net):
    with pytest.raises(ValueError, match=r"x must have shape \(any, 3\); got array of shape \(4, 2\)"):
        net(np.zeros((4, 2)))


def test_one_dimensional_input(net):
    with pytest.raises(ValueError, match=r"x must have shape \(any, 3\)"):
        net(np.zeros(3))


def test_nan_input(net):
    x = np.zeros((4, 3))
    x[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"x contains NaN or inf \(1 entries\)"):
        net(x)


def test_inf_input(net):
    with pytest.raises(ValueError, match=r"x contains NaN or inf"):
        net(np.full((1, 3), np.inf))


def test_string_input(net):
    with pytest.raises(TypeError, match=r"x must be a numeric array"):
        net(np.array([["a", "b", "c"]]))


def test_label_out_of_range(net):
    with pytest.raises(ValueError, match=r"y contains label 2; accepted labels are 0..1"):
        net.loss_and_grads(np.zeros((3, 3)), [0, 1, 2])


def test_negative_label(net):
    with pytest.raises(ValueError, match=r"y contains label -1"):
        net.loss_and_grads(np.zeros((2, 3)), [0, -1])


def test_label_count_mismatch(net):
    with pytest.raises(ValueError, match=r"y must have 3 labels \(one per input row\); got 2"):
        net.loss_and_grads(np.zeros((3, 3)), [0, 1])


def test_fractional_labels(net):
    with pytest.raises(ValueError, match=r"y must be a 1-D array of integer labels"):
        net.loss_and_grads(np.zeros((2, 3)), [0.5, 1.0])


def test_unknown_loss():
    with pytest.raises(ValueError, match=r"loss='mse' .*cross_entropy"):
        get_loss("mse")


def test_unknown_reduction():
    with pytest.raises(ValueError, match=r"reduction='none'"):
        losses.softmax_cross_entropy(np.zeros((2, 3)), [0, 1], reduction="none")


def test_cross_entropy_on_one_logit():
    with pytest.raises(ValueError, match=r"logits must have shape \(N, C\) with C >= 2"):
        losses.softmax_cross_entropy(np.zeros((2, 1)), [0, 1])


def test_binary_loss_on_many_logits():
    with pytest.raises(ValueError, match=r"logits must have shape \(N,\) or \(N, 1\)"):
        losses.binary_logistic(np.zeros((2, 3)), [0, 1])


@pytest.mark.parametrize("lr", [0, -0.1, float("inf")])
def test_bad_learning_rate(net, lr):
    with pytest.raises(ValueError, match=r"lr=.* finite number > 0"):
        SGD(net.params, net.grads, lr=lr)


def test_negative_weight_decay(net):
    with pytest.raises(ValueError, match=r"weight_decay=-0.01 .*>= 0"):
        SGD(net.params, net.grads, lr=0.1, weight_decay=-0.01)


def test_momentum_out_of_range(net):
    with pytest.raises(ValueError, match=r"momentum=1.5 .*\[0.0, 0.999999\]"):
        SGD(net.params, net.grads, lr=0.1, momentum=1.5)


def test_bad_adam_betas(net):
    with pytest.raises(ValueError, match=r"betas"):
        Adam(net.params, net.grads, betas=(0.9,))


def test_unknown_optimizer(net):
    with pytest.raises(ValueError, match=r"optimizer='rmsprop' .*\['sgd', 'adam'\]"):
        make_optimizer("rmsprop", net)


def test_train_needs_steps_or_epochs(net):
    with pytest.raises(ValueError, match=r"exactly one of steps and epochs"):
        train(net, SGD(net.params, net.grads), np.zeros((4, 3)), [0, 1, 0, 1])


def test_train_non_positive_steps(net):
    with pytest.raises(ValueError, match=r"steps=0 .*integer >= 1"):
        train(net, SGD(net.params, net.grads), np.zeros((4, 3)), [0, 1, 0, 1], steps=0)


def test_minibatches_need_a_generator(net):
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator"):
        train(net, SGD(net.params, net.grads), np.zeros((4, 3)), [0, 1, 0, 1], steps=1, batch_size=2)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow on the way to divergence
def test_divergence_is_reported_not_silent(rng):
    net = MLP([2, 2], rng=rng, dtype=np.float32)
    x = rng.normal(scale=100.0, size=(32, 2))
    with pytest.raises(FloatingPointError, match=r"diverged at step \d+ .*lower lr \(now 1e\+37\)"):
        train(net, SGD(net.params, net.grads, lr=1e37), x, (x[:, 0] > 0).astype(int), steps=50)


def test_logit_grad_class_out_of_range(net):
    with pytest.raises(ValueError, match=r"k=.* class indices in 0..1"):
        net.logit_grad(np.zeros((2, 3)), 5)


def test_save_needs_npz_suffix(net, tmp_path):
    with pytest.raises(ValueError, match=r"path=.*net.pkl.*\.npz"):
        net.save(tmp_path / "net.pkl")


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"path=.*nothing.npz"):
        MLP.load(tmp_path / "nothing.npz")


def test_load_foreign_npz(tmp_path):
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match=r"is not an MLP saved by dmm_edu"):
        MLP.load(tmp_path / "other.npz")


def test_deepfool_unknown_space(net):
    with pytest.raises(ValueError, match=r"space='tangent' .*\['free', 'on', 'off'\]"):
        deepfool(net, np.zeros((2, 3)), space="tangent")


def test_deepfool_restricted_needs_projector(net):
    with pytest.raises(ValueError, match=r"space='on' needs a projector"):
        deepfool(net, np.zeros((2, 3)), space="on")


def test_deepfool_overshoot_out_of_range(net):
    with pytest.raises(ValueError, match=r"overshoot=-0.1"):
        deepfool(net, np.zeros((2, 3)), overshoot=-0.1)


def test_loss_that_does_not_fit_the_outputs(rng):
    one = MLP([3, 1], rng=rng)
    with pytest.raises(ValueError, match=r"loss='cross_entropy' needs a network with >= 2 outputs"):
        one.loss_and_grads(np.zeros((2, 3)), [0, 1], "cross_entropy")
    with pytest.raises(ValueError, match=r"loss='binary_logistic' needs a network with 1 output; this one has 2"):
        train(MLP([3, 2], rng=rng), SGD(one.params, one.grads), np.zeros((2, 3)), [0, 1], loss="binary_logistic",
              steps=1)


def test_deepfool_projector_must_be_a_projector(net):
    with pytest.raises(TypeError, match=r"projector must be a dmm_edu.manifold Projector"):
        deepfool(net, np.zeros((2, 3)), space="on", projector=np.eye(3)[:, :2])


def test_deepfool_model_without_jacobian():
    with pytest.raises(TypeError, match=r"model must have a method input_jacobian"):
        deepfool(object(), np.zeros((2, 3)))


def test_logit_grad_with_the_wrong_number_of_classes(net):
    with pytest.raises(ValueError, match=r"k must be one class index or one per input row \(2\)"):
        net.logit_grad(np.zeros((2, 3)), [0, 1, 1])


def test_accuracy_label_count(net):
    from dmm_edu.numpy_nn import accuracy

    with pytest.raises(ValueError, match=r"y must have 3 labels"):
        accuracy(net, np.zeros((3, 3)), [1])


def test_batch_size_not_an_integer(net, rng):
    with pytest.raises(ValueError, match=r"batch_size='8'"):
        train(net, SGD(net.params, net.grads), np.zeros((4, 3)), [0, 1, 0, 1], steps=1, batch_size="8", rng=rng)


def test_attack_loss_must_fit_the_model(rng):
    from dmm_edu.attacks import pgd

    with pytest.raises(ValueError, match=r"loss='binary_logistic' needs a network with 1 output"):
        pgd(MLP([3, 3], rng=rng), np.zeros((2, 3)), [0, 1], 0.1, loss="binary_logistic")


def test_gradcheck_refuses_a_transposed_view():
    from dmm_edu.numpy_nn import numerical_gradient

    A = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"theta must be a writeable C-contiguous array"):
        numerical_gradient(lambda: float(np.sum(A**2)), A.T)


@pytest.mark.parametrize("attack", ["fgsm", "pgd", "deepfool"])
def test_attacks_refuse_a_model_whose_logits_are_not_finite(attack, rng):
    """A NaN weight (a diverged training) must not make every sample a 'success' at norm 0."""
    from dmm_edu import attacks

    net = MLP([3, 6, 2], rng=rng)
    x, y = rng.normal(size=(4, 3)), np.array([0, 1, 0, 1])
    kwargs = {} if attack == "deepfool" else {"eps": 0.1}
    assert getattr(attacks, attack)(net, x, y, **kwargs).x_adv.shape == x.shape  # finite: runs
    net.layers[0].W[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"model gives logits that are not finite \(NaN or inf\) at the clean x "
                                         r"for 4 of 4 inputs; an attack needs finite logits"):
        getattr(attacks, attack)(net, x, y, **kwargs)
