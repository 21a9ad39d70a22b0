"""TensorFlow for the input pipeline, imported only by the modules that read data.

Commands that read no data (``describe``, ``status``, ``export``, ``--help``)
never import this module, so they start without TensorFlow's seconds of import
time and its banners. The data modules take ``tf`` from here instead of
importing TensorFlow themselves, so the one-time set-up below runs before
TensorFlow touches a device.
"""

import tensorflow as tf

# JAX owns the accelerator; tf.data needs only the CPU. tensorflow-cpu sees no
# GPU anyway, but a full tensorflow install would reserve all GPU memory.
try:
    tf.config.set_visible_devices([], "GPU")
except RuntimeError:  # devices were already initialized by someone else
    pass

__all__ = ["tf"]
