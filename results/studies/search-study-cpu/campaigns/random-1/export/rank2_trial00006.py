"""A SpineNet spec exported by spinenet-nas (search_space.export, format 'python').

Import it and use ``SPEC``. ``search_space.load_spec_file(path)`` reads it too
(the file name becomes the spec's name).
"""

from search_space.serialization import spec_from_tuples
from search_space.spec import StemSpec

# (level, block_fn, (parent0, parent1), is_output); parents index net, whose first 2 entries
# are the stem blocks (levels STEM_LEVELS).
BLOCK_SPECS = [
    (3, 'residual', (0, 1), False),
    (6, 'residual', (1, 2), False),
    (6, 'residual', (1, 2), False),
    (2, 'residual', (0, 4), False),
    (3, 'residual', (4, 5), False),
    (3, 'residual', (1, 2), False),
    (3, 'bottleneck', (0, 3), False),
    (3, 'bottleneck', (4, 7), False),
    (5, 'residual', (8, 9), False),
    (3, 'bottleneck', (1, 8), False),
    (6, 'bottleneck', (5, 7), True),
    (4, 'residual', (7, 10), True),
    (3, 'bottleneck', (5, 7), True),
    (5, 'bottleneck', (2, 12), True),
    (7, 'bottleneck', (5, 14), True),
]
STEM_LEVELS = (2, 2)
MIN_LEVEL = 3
MAX_LEVEL = 7

SPEC = spec_from_tuples(
    BLOCK_SPECS, stem=StemSpec(STEM_LEVELS), name='spinenet-49-trial6', min_level=MIN_LEVEL, max_level=MAX_LEVEL
)
