"""`guanxi setup` and `guanxi token`."""
