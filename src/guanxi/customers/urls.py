"""Pages of this app."""

app_name = "customers"
urlpatterns: list = []
