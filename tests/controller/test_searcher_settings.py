"""Searcher settings are checked when their config is built: types, finiteness, ranges, choices."""

import math

import pytest

from controller import make_config
from controller.settings_checks import SettingError


@pytest.mark.parametrize("kind, settings, fragment", [
    ("reinforce", {"learning_rate": "abc"}, "learning_rate: 'abc' is not a float"),
    ("reinforce", {"learning_rate": 0.0}, "learning_rate: 0.0 is out of range; use a value > 0"),
    ("reinforce", {"max_grad_norm": math.inf}, "max_grad_norm: inf is not a finite number"),
    ("reinforce", {"max_grad_norm": "x"}, "max_grad_norm: 'x' is not a float or null"),
    ("reinforce", {"failure_reward": math.nan}, "failure_reward: nan is not a finite number"),
    ("reinforce", {"hidden_size": 2.0}, "hidden_size: 2.0 is not an int"),
    ("reinforce", {"entropy_weight": -0.1}, "entropy_weight: -0.1 is out of range; use a value >= 0"),
    ("reinforce", {"seed": 2**63}, "seed: 9223372036854775808 is out of range; use a value in [0, 2**63)"),
    ("evolution", {"tournament_size": 0}, "tournament_size: 0 is out of range"),
    ("random", {"on_failure": "retry"}, "on_failure: 'retry'; use one of ['skip', 'reward']"),
])
def test_bad_settings_name_the_setting_and_the_allowed_values(kind, settings, fragment):
    with pytest.raises(SettingError) as raised:
        make_config(kind, **settings)
    assert fragment in str(raised.value) and raised.value.name == next(iter(settings))


def test_good_settings_pass_at_their_bounds():
    config = make_config("reinforce", seed=2**63 - 1, learning_rate=1, baseline_decay=0.0, entropy_weight=0,
                         max_grad_norm=None, tanh_constant=None, batch_size=1, on_failure="reward",
                         failure_reward=-1.0)
    assert config.learning_rate == 1 and config.max_grad_norm is None
    assert make_config("evolution", population_size=1, tournament_size=1).population_size == 1
    with pytest.raises(ValueError, match="tournament_size 2 must be in 1..population_size"):
        make_config("evolution", population_size=1, tournament_size=2)
