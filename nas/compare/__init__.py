"""``spinenet-nas compare``: the R[N]-SP[M] family under one protocol (paper Table 3)."""
