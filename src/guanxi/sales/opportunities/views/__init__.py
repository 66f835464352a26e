"""Pages of the opportunities app, one module per screen."""
