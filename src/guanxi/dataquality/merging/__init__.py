"""Merging duplicate records (合并重复) and undoing merges: the registry apps fill at start-up, the services,
the compare page, the merge history and the API."""
