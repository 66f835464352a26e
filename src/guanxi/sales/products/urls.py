"""Pages of the product catalogue."""

from django.urls import path

from . import views

app_name = "products"
urlpatterns = [
    path("", views.product_list, name="list"),
    path("new/", views.product_create, name="create"),
    path("<int:pk>/", views.product_detail, name="detail"),
    path("<int:pk>/edit/", views.product_edit, name="edit"),
    path("<int:pk>/active/", views.product_set_active, name="set_active"),
    path("categories/", views.category_list, name="categories"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("price-lists/", views.price_list_list, name="price_lists"),
    path("price-lists/new/", views.price_list_create, name="price_list_create"),
    path("price-lists/<int:pk>/", views.price_list_detail, name="price_list_detail"),
    path("price-lists/<int:pk>/edit/", views.price_list_edit, name="price_list_edit"),
    path("price-lists/<int:pk>/delete/", views.price_list_delete, name="price_list_delete"),
    path("price-lists/<int:pk>/items/<int:product_id>/remove/", views.price_list_remove_item,
         name="price_list_remove_item"),
]
