"""Template helpers of the quote pages."""
