"""Template tags of the customers app."""
