"""Pages of this app."""

app_name = "activities"
urlpatterns: list = []
