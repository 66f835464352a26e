"""Demo data: a realistic Chinese company to try Guanxi with, and the bulk loader behind it."""
