"""Search studies: searchers compared at equal device-hours, their winners retrained (``spinenet-nas search-study``)."""
