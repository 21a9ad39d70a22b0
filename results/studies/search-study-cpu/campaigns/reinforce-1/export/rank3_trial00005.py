"""A SpineNet spec exported by spinenet-nas (search_space.export, format 'python').

Import it and use ``SPEC``. ``search_space.load_spec_file(path)`` reads it too
(the file name becomes the spec's name).
"""

from search_space.serialization import spec_from_tuples
from search_space.spec import StemSpec

# (level, block_fn, (parent0, parent1), is_output); parents index net, whose first 2 entries
# are the stem blocks (levels STEM_LEVELS).
BLOCK_SPECS = [
    (3, 'bottleneck', (0, 1), False),
    (5, 'residual', (1, 2), False),
    (4, 'bottleneck', (0, 1), False),
    (7, 'bottleneck', (3, 4), False),
    (6, 'residual', (1, 2), False),
    (1, 'residual', (5, 6), False),
    (3, 'bottleneck', (6, 7), False),
    (5, 'bottleneck', (7, 8), False),
    (6, 'bottleneck', (1, 9), False),
    (5, 'residual', (9, 10), False),
    (6, 'bottleneck', (5, 9), True),
    (4, 'residual', (2, 4), True),
    (5, 'bottleneck', (12, 13), True),
    (3, 'residual', (12, 14), True),
    (7, 'bottleneck', (5, 10), True),
]
STEM_LEVELS = (2, 2)
MIN_LEVEL = 3
MAX_LEVEL = 7

SPEC = spec_from_tuples(
    BLOCK_SPECS, stem=StemSpec(STEM_LEVELS), name='spinenet-49-trial5', min_level=MIN_LEVEL, max_level=MAX_LEVEL
)
