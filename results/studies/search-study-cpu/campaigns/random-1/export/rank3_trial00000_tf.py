"""SpineNet block specs for TF Model Garden, exported by spinenet-nas (format 'tf').

BLOCK_SPECS has the form of SPINENET_BLOCK_SPECS in
official/vision/modeling/backbones/spinenet.py; SCALING that of a SCALING_MAP entry.
The backbone config factory (type 'spinenet', model_id) always uses the built-in
SPINENET_BLOCK_SPECS, so build the backbone with the constructor, after
`from <this module> import *`:

    import tensorflow as tf
    from official.vision.modeling.backbones import spinenet

    backbone = spinenet.SpineNet(
        input_specs=tf.keras.layers.InputSpec(shape=[None, INPUT_SIZE, INPUT_SIZE, 3]),
        min_level=MIN_LEVEL, max_level=MAX_LEVEL,
        block_specs=spinenet.build_block_specs(BLOCK_SPECS),
        **SCALING)

input_specs with the input size is needed: TF merges a block that feeds no other
into the output of its level only where their static shapes match, so without
a size it merges none and builds a different network.

Exported at input 640 with a 4x256 RetinaNet head and anchor size 3.0.
"""

# (level, block_fn, (input_offset0, input_offset1), is_output); net[0], net[1] are the stem.
BLOCK_SPECS = [
    (4, 'residual', (0, 1), False),
    (4, 'bottleneck', (1, 2), False),
    (3, 'bottleneck', (2, 3), False),
    (3, 'residual', (1, 3), False),
    (4, 'bottleneck', (0, 5), False),
    (6, 'residual', (4, 5), False),
    (4, 'bottleneck', (1, 3), False),
    (4, 'residual', (0, 5), False),
    (4, 'residual', (1, 7), False),
    (4, 'bottleneck', (8, 9), False),
    (4, 'bottleneck', (5, 6), True),
    (7, 'residual', (11, 12), True),
    (3, 'residual', (3, 9), True),
    (6, 'bottleneck', (10, 11), True),
    (5, 'bottleneck', (14, 15), True),
]

SCALING = {
    'endpoints_num_filters': 256,
    'filter_size_scale': 1.0,
    'resample_alpha': 0.5,
    'block_repeats': 1,
}

MIN_LEVEL = 3
MAX_LEVEL = 7
INPUT_SIZE = 640
