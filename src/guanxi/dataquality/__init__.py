"""Clean data: normalising names, phones and emails, and finding records that describe the same party."""
