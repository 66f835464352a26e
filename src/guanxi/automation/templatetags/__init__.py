"""Template tags of the approval engine: the approval panel of a record's page."""
