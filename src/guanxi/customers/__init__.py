"""Customers (客户), their contacts (联系人) and tags."""
