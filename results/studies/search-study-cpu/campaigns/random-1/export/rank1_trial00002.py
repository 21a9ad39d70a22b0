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
    (2, 'bottleneck', (0, 1), False),
    (7, 'bottleneck', (0, 1), False),
    (2, 'residual', (1, 3), False),
    (3, 'bottleneck', (2, 3), False),
    (6, 'residual', (3, 4), False),
    (2, 'bottleneck', (0, 4), False),
    (5, 'residual', (7, 8), False),
    (3, 'residual', (5, 6), False),
    (5, 'bottleneck', (7, 10), False),
    (3, 'bottleneck', (9, 10), True),
    (6, 'residual', (3, 9), True),
    (7, 'bottleneck', (11, 12), True),
    (4, 'bottleneck', (6, 10), True),
    (5, 'residual', (5, 12), True),
]
STEM_LEVELS = (2, 2)
MIN_LEVEL = 3
MAX_LEVEL = 7

SPEC = spec_from_tuples(
    BLOCK_SPECS, stem=StemSpec(STEM_LEVELS), name='spinenet-49-trial2', min_level=MIN_LEVEL, max_level=MAX_LEVEL
)
