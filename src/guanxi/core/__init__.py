"""Shared kernel: base models, data scopes, permissions, audit, events, errors, paging."""
