"""Template context every page needs: the navigation the user may see."""

from .nav import ADMIN, MAIN, visible_items


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_main": visible_items(user, MAIN), "nav_admin": visible_items(user, ADMIN)}
