"""A SpineNet spec exported by spinenet-nas (search_space.export, format 'python').

Import it and use ``SPEC``. ``search_space.load_spec_file(path)`` reads it too
(the file name becomes the spec's name).
"""

from search_space.serialization import spec_from_tuples
from search_space.spec import StemSpec

# (level, block_fn, (parent0, parent1), is_output); parents index net, whose first 2 entries
# are the stem blocks (levels STEM_LEVELS).
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
STEM_LEVELS = (2, 2)
MIN_LEVEL = 3
MAX_LEVEL = 7

SPEC = spec_from_tuples(
    BLOCK_SPECS, stem=StemSpec(STEM_LEVELS), name='spinenet-49-trial0', min_level=MIN_LEVEL, max_level=MAX_LEVEL
)
