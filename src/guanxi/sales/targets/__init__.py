"""Sales targets (业绩目标) per user and department, and progress against them."""
