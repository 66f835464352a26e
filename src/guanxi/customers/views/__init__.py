"""Pages of the customers app, one module per screen."""
