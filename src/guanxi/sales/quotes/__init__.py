"""Quotes (报价单): lines, totals, numbering, versions, approval and a printable page."""
