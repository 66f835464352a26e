"""The product catalogue (产品), its categories and price lists per customer grade or region."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import TimeStampedModel
from guanxi.core.money import currency_field, money_field


class ProductCategory(models.Model):
    """A group of products in the catalogue, e.g. 软件许可, 实施服务."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Product(TimeStampedModel):
    """Something the company sells, at a list price per unit."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(ProductCategory, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="products")
    unit = models.CharField(_("unit"), max_length=20, default="", blank=True, help_text=_("e.g. 套, 年, 人天"))
    list_price = money_field(_("list price"))
    currency = currency_field()
    tax_rate = models.DecimalField(_("tax rate %"), max_digits=5, decimal_places=2, default=Decimal("13.00"),
                                   validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))])
    description = models.TextField(_("description"), max_length=5000, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Bumped on every update; an edit based on an older version is refused (concurrent edits).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["is_active", "name"], name="product_active_name"),
            models.Index(fields=["category", "name"], name="product_category_name"),
        ]

    def __str__(self) -> str:
        return self.name


class PriceList(models.Model):
    """A price list (价格表): prices that replace list prices for customers of a grade and/or a region.

    A customer matches when the list's grade (if set) equals the customer's and the customer's
    region starts with the list's region (if set); `products.pricing` picks among matches.
    """

    name = models.CharField(_("name"), max_length=80, unique=True)
    grade = models.CharField(_("customer grade"), max_length=1, blank=True)
    region = models.CharField(_("region"), max_length=60, blank=True)
    currency = currency_field()
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    """One product's price on a price list, in the list's currency."""

    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.CASCADE, related_name="+")
    price = money_field(_("price"))

    class Meta:
        verbose_name = _("price list item")
        verbose_name_plural = _("price list items")
        constraints = [models.UniqueConstraint(fields=["price_list", "product"], name="price_list_item_unique")]

    def __str__(self) -> str:
        return f"{self.price_list} · {self.product_id}"
