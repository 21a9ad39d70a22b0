"""The RNN controller's policy: a Flax LSTM emitting one decision per step.

As in Zoph & Le (2017): at step t the LSTM reads the embedding of the choice
made at step t-1 (a learned start vector at t=0), and step t's own linear head
turns the hidden state into logits over step t's choices. Logits are divided
by ``temperature``, squashed as ``tanh_constant * tanh(.)`` (ENAS's logit
clipping) and masked by ``search_space.masks`` (blocks already placed, parents
outside the window, a second parent not above the first, out-of-range
levels), computed inside JAX with the same functions NumPy code uses.

Sampling and teacher forcing run the *same* scan body; the only difference is
where each step's choice comes from (a draw, or the given sequence). Hence the
log-probability the REINFORCE update computes for a sequence is exactly the sum
of the log-probabilities of its steps when it was drawn under the same
parameters.
"""

from __future__ import annotations

import dataclasses
import functools

import flax.linen as nn
import jax
import jax.numpy as jnp

from search_space.masks import MaskTables, consume, step_mask, tables_for
from search_space.space import SearchSpace

_MASKED = -1e9  # finite, so masked choices get probability 0 without NaNs


def _uniform_init(scale: float = 0.1):
    def init(key, shape, dtype=jnp.float32):
        return jax.random.uniform(key, shape, dtype, -scale, scale)

    return init


@dataclasses.dataclass(frozen=True)
class PolicyConfig:
    """Architecture and sampling settings of the controller LSTM."""

    hidden_size: int = 64
    temperature: float = 1.0
    tanh_constant: float | None = 2.5


class ControllerLSTM(nn.Module):
    """One LSTM cell shared by all steps, a choice embedding and a head per step."""

    num_steps: int
    num_choices: int
    hidden_size: int

    def setup(self):
        init = _uniform_init()
        self.cell = nn.LSTMCell(self.hidden_size, kernel_init=init, recurrent_kernel_init=init)
        self.start = self.param("start", init, (self.hidden_size,))
        self.embedding = self.param("embedding", init, (self.num_steps, self.num_choices, self.hidden_size))
        self.head_kernel = self.param("head_kernel", init, (self.num_steps, self.hidden_size, self.num_choices))
        self.head_bias = self.param("head_bias", nn.initializers.zeros, (self.num_steps, self.num_choices))

    def __call__(self, carry, inputs, t):
        """One step: returns the new carry and step ``t``'s raw logits."""
        carry, hidden = self.cell(carry, inputs)
        return carry, hidden @ self.head_kernel[t] + self.head_bias[t]

    def first_input(self):
        return self.start

    def embed(self, t, choice):
        return self.embedding[t, choice]


class Policy:
    """Pure functions of the controller for one space, jitted once.

    Attributes:
      sample: ``(params, key) -> (decisions [T] int32, step_log_probs [T])``.
      log_prob: ``(params, decisions [B, T]) -> (log_prob [B], entropy [B])``,
        by teacher forcing.
    """

    def __init__(self, space: SearchSpace, config: PolicyConfig):
        self.space = space
        self.config = config
        self.tables = MaskTables(*(jnp.asarray(a) for a in tables_for(space)))
        self.model = ControllerLSTM(space.num_steps, space.max_choices, config.hidden_size)
        self.sample = jax.jit(self._sample)
        self.log_prob = jax.jit(jax.vmap(self._forced, in_axes=(None, 0)))

    def init(self, key) -> dict:
        """Fresh parameters."""
        carry = self._zero_carry()
        return self.model.init(key, carry, jnp.zeros((self.config.hidden_size,)), 0)

    def _zero_carry(self):
        zeros = jnp.zeros((self.config.hidden_size,))
        return (zeros, zeros)

    def _log_probs(self, raw_logits, mask):
        logits = raw_logits / self.config.temperature
        if self.config.tanh_constant is not None:
            logits = self.config.tanh_constant * jnp.tanh(logits)
        return jax.nn.log_softmax(jnp.where(mask, logits, _MASKED))

    def _run(self, params, choose):
        """The scan shared by sampling and teacher forcing; ``choose(t, log_probs)`` picks."""
        apply = functools.partial(self.model.apply, params)

        def body(state, t):
            carry, inputs, remaining, prev = state
            carry, raw = apply(carry, inputs, t)
            log_probs = self._log_probs(raw, step_mask(self.tables, t, remaining, prev, xp=jnp))
            choice = choose(t, log_probs)
            entropy = -jnp.sum(jnp.exp(log_probs) * log_probs)
            remaining = consume(self.tables, t, remaining, choice, xp=jnp)
            inputs = apply(t, choice, method=ControllerLSTM.embed)
            return (carry, inputs, remaining, choice), (choice, log_probs[choice], entropy)

        start = apply(method=ControllerLSTM.first_input)
        init = (self._zero_carry(), start, self.tables.initial_remaining, jnp.int32(0))
        _, outputs = jax.lax.scan(body, init, jnp.arange(self.space.num_steps))
        return outputs

    def _sample(self, params, key):
        def choose(t, log_probs):
            return jax.random.categorical(jax.random.fold_in(key, t), log_probs).astype(jnp.int32)

        choices, step_log_probs, _ = self._run(params, choose)
        return choices, step_log_probs

    def _forced(self, params, decisions):
        _, step_log_probs, entropies = self._run(params, lambda t, _: decisions[t])
        return step_log_probs.sum(), entropies.sum()


@functools.lru_cache(maxsize=32)
def get_policy(space: SearchSpace, config: PolicyConfig) -> Policy:
    """The ``Policy`` of (space, config), built and compiled once per process."""
    return Policy(space, config)
