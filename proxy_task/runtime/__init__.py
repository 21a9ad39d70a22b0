"""How the proxy task's processes run: the host allocator they train on and XLA's CPU compiler options.

Process settings, not model code: importing this package loads neither JAX
nor TensorFlow (the campaign driver uses ``host_allocator`` to start trials).
"""
