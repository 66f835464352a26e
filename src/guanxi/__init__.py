"""Guanxi (关系): an open-source CRM for small and mid-size companies."""

__version__ = "0.1.0"
