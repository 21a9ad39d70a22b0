"""Speed kernels: hand-written gradients where XLA's CPU backend is slow, behind one switch.

``conv_routing`` sends plain NHWC convolutions by shape to ``pointwise_conv`` (1x1) or
``patch_conv`` (thin inputs, wide outputs); ``max_pool`` is the stride-2 3x3 max pool
with a gather gradient. Models use none of them directly: ``switch`` picks them or the
plain JAX functions from ``BackboneOptions.kernels`` (``auto``, ``on``, ``off``).
"""

from proxy_task.kernels.switch import KERNEL_SETTINGS, convolution, kernels_on, max_pool_stride_2

__all__ = ["KERNEL_SETTINGS", "convolution", "kernels_on", "max_pool_stride_2"]
