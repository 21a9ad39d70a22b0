"""The REINFORCE controller: exact credit, masking, the direction of an update."""

import dataclasses

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from controller import ReinforceConfig, ReinforceController
from controller.policy import PolicyConfig, get_policy
from controller.reinforce import make_update
from search_space.sampling import sample_uniform, step_masks
from search_space.encoding import check_decisions
from tests.controller.searcher_fixtures import SMALL, SMALL_SETTINGS, small_searcher, toy_reward


def _log_prob(controller, decisions):
    log_probs, _ = controller.policy.log_prob(controller.params, jnp.asarray([decisions], jnp.int32))
    return float(log_probs[0])


def test_teacher_forced_log_prob_equals_the_product_of_sampled_step_probabilities():
    policy = get_policy(SMALL, PolicyConfig(hidden_size=16))
    params = policy.init(jax.random.key(0))
    for i in range(20):
        decisions, step_log_probs = policy.sample(params, jax.random.key(i))
        check_decisions(SMALL, np.asarray(decisions).tolist())
        forced, _ = policy.log_prob(params, decisions[None])
        np.testing.assert_allclose(
            np.exp(float(forced[0])), np.prod(np.exp(np.asarray(step_log_probs, np.float64))), rtol=1e-5
        )
        assert np.all(np.asarray(step_log_probs) <= 0)


def test_masks_inside_jax_match_the_numpy_masks():
    # At a huge temperature the policy is uniform over the valid choices, so a
    # sequence's log-probability is -sum(log #valid) with NumPy's masks.
    policy = get_policy(SMALL, PolicyConfig(hidden_size=16, temperature=1e9, tanh_constant=None))
    params = policy.init(jax.random.key(1))
    rng = np.random.default_rng(0)
    batch = [sample_uniform(SMALL, rng) for _ in range(32)]
    log_probs, entropies = policy.log_prob(params, jnp.asarray(batch, jnp.int32))
    expected = [-np.log(step_masks(SMALL, d).sum(axis=1)).sum() for d in batch]
    np.testing.assert_allclose(np.asarray(log_probs), expected, rtol=1e-5)
    np.testing.assert_allclose(np.asarray(entropies), -np.asarray(expected), rtol=1e-5)


def test_tanh_clipping_bounds_every_step_probability():
    c = 1.0
    policy = get_policy(SMALL, PolicyConfig(hidden_size=16, tanh_constant=c))
    params = jax.tree.map(lambda x: 1000.0 * x, policy.init(jax.random.key(2)))
    decisions = jnp.asarray([sample_uniform(SMALL, np.random.default_rng(i)) for i in range(16)], jnp.int32)
    log_probs, _ = policy.log_prob(params, decisions)
    # Each step: p >= e^-c / (e^-c + (K-1) e^c) >= e^(-2c) / K.
    bound = SMALL.num_steps * (-2 * c - np.log(SMALL.max_choices))
    assert np.all(np.asarray(log_probs) >= bound)


def test_an_update_raises_the_rewarded_and_lowers_the_punished_sample():
    controller = small_searcher("reinforce", batch_size=2, entropy_weight=0.0)
    good, bad = controller.propose(), controller.propose()
    before = _log_prob(controller, good.decisions), _log_prob(controller, bad.decisions)
    controller.feedback(good.id, 1.0)
    controller.feedback(bad.id, 0.0)
    assert controller.num_updates == 1
    after = _log_prob(controller, good.decisions), _log_prob(controller, bad.decisions)
    assert after[0] > before[0] and after[1] < before[1]
    assert controller.metrics["baseline"] == pytest.approx(0.5)  # starts at the first batch's mean


def test_out_of_order_rewards_credit_exactly_the_sequences_that_earned_them():
    controller = small_searcher("reinforce")
    proposals = [controller.propose() for _ in range(8)]
    order = [5, 2, 7, 0]
    for i in order:
        controller.feedback(proposals[i].id, toy_reward(proposals[i].decisions))
    assert controller.num_updates == 1
    # The same update, called directly on those sequences in feedback order.
    fresh = small_searcher("reinforce")
    update = make_update(SMALL, fresh.config.learner)
    decisions = jnp.asarray([proposals[i].decisions for i in order], jnp.int32)
    rewards = jnp.asarray([toy_reward(proposals[i].decisions) for i in order], jnp.float32)
    state = (fresh._params, fresh._opt_state, fresh._baseline, fresh._step)
    (params, _, _, _), _ = update(*state, decisions, rewards)
    jax.tree.map(np.testing.assert_array_equal, controller.params, params)


def test_synchronous_batches_improve_a_simple_reward():
    # Reward: the fraction of residual blocks. A few batches must raise it.
    controller = small_searcher("reinforce", batch_size=8, learning_rate=0.05)

    def residual_fraction(proposal):
        return float(np.mean([b.block_fn == "residual" for b in proposal.spec.blocks]))

    means = []
    for _ in range(15):
        batch = [controller.propose() for _ in range(8)]
        means.append(np.mean([residual_fraction(p) for p in batch]))
        for p in batch:
            controller.feedback(p.id, residual_fraction(p))
    assert controller.num_updates == 15
    assert np.mean(means[-3:]) > np.mean(means[:3]) + 0.15


def test_defaults_are_the_tuned_settings():
    config = ReinforceConfig()
    tuned = (config.batch_size, config.learning_rate, config.baseline_decay, config.entropy_weight)
    assert tuned == (8, 0.01, 0.9, 0.0)
    assert dataclasses.replace(config, seed=3).learner == config.learner
    assert SMALL_SETTINGS["reinforce"]["batch_size"] == 4
    assert isinstance(small_searcher("reinforce"), ReinforceController)
