"""Pages of leads (线索), one module per screen."""
