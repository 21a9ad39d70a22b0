"""Search campaigns on Ray: the engine, the campaign directory, resume, Ray Tune and Ray task dispatch.

Entry points: ``nas.campaign.launch.search`` / ``resume`` (the ``spinenet-nas
search`` / ``resume`` commands), ``nas.campaign.config.resolve``. Nothing is
imported here, so a Ray worker that runs a trial imports only what it needs.
"""
