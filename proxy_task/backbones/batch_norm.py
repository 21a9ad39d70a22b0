"""Batch normalisation whose moving variance follows TF Model Garden's convention.

Keras's batch normalisation (fused, as TF Model Garden's SpineNet runs it) folds
the *unbiased* batch variance, ``n / (n - 1)`` times the biased one, into its
moving variance; Flax's ``nn.BatchNorm`` folds the biased one. With ``n`` the
values per channel (batch x height x width), the gap is largest where maps are
small: at a 1x1 L7 map and batch 16, Flax's moving variance is 1/16 (6.25 %)
low. Normalisation in training uses the biased batch variance in both.
"""

from __future__ import annotations

import flax.linen as nn


class BatchNorm(nn.BatchNorm):
    """``nn.BatchNorm`` (same parameters, statistics and outputs) with a choice of moving variance.

    Attributes:
      moving_variance: ``'unbiased'`` (TF Model Garden's) or ``'biased'`` (Flax's).
    """

    moving_variance: str = "unbiased"

    @nn.compact
    def __call__(self, x, use_running_average=None, **kwargs):
        running = nn.merge_param("use_running_average", self.use_running_average, use_running_average)
        correct = not running and self.moving_variance == "unbiased" and not self.is_initializing()
        before = self.get_variable("batch_stats", "var") if correct else None
        y = super().__call__(x, use_running_average, **kwargs)
        values_per_channel = x.size // x.shape[-1]
        if correct and values_per_channel > 1:
            # Flax set var = m * before + (1 - m) * v; adding (1 - m) * v / (n - 1) makes it
            # m * before + (1 - m) * v * n / (n - 1), without computing v again.
            after = self.get_variable("batch_stats", "var")
            self.put_variable("batch_stats", "var",
                              after + (after - self.momentum * before) / (values_per_channel - 1))
        return y
