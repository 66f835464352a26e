"""Sign-in, sign-out and the user's own profile."""

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST


class GuanxiLoginView(LoginView):
    template_name = "org/login.html"
    redirect_authenticated_user = True


login_view = GuanxiLoginView.as_view()


@require_POST
def logout_view(request):
    logout(request)
    return redirect("org:login")


def locked_out(request, credentials=None, *args, **kwargs):
    """Shown by django-axes after too many failed sign-ins."""
    return render(request, "org/locked_out.html", status=429)


@login_required
def profile(request):
    return render(request, "org/profile.html", {})


