"""Contracts (合同) and their receivables (回款): instalment plans and payments."""
