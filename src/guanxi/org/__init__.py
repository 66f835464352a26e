"""Organisation: users, departments, roles and data scopes, API tokens, two-factor sign-in."""
