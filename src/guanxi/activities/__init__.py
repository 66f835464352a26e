"""Follow-ups (跟进记录) and the customer timeline."""
