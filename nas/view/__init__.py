"""``spinenet-nas view``: a local web page that shows a campaign live, read from its directory alone."""
