"""Pages of the organisation app: sign-in and profile for everyone, admin pages guarded by action.

One module per area; django-axes finds its lockout page here as `guanxi.org.views.locked_out`.
"""

from .auth import locked_out

__all__ = ["locked_out"]
