"""Pages of the approval engine: the inbox and requests, and the flow admin."""
