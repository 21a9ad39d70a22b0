"""Proxy studies: does a cheap proxy rank architectures like a costlier target, and how noisy is it?

A study trains a fixed set of architectures under a target config and under
candidate proxy configs (and some of them again under other seeds), records
every trial on the campaigns' record machinery, and reports rank agreement
(``results.rank_agreement``) and noise per candidate.
"""
