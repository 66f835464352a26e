"""API schemas of products, categories and price lists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from guanxi.core.api_schemas import BLANK_IN, BLANK_OUT, Id, InSchema, Position, QuerySchema, absent
from guanxi.core.money import Currency
from guanxi.customers.choices import CustomerGrade

Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
TaxRate = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
GradeIn = Annotated[CustomerGrade | None, BLANK_IN, BLANK_OUT]


class CategoryRef(Schema):
    id: int
    name: str


class CategoryOut(Schema):
    id: int
    name: str
    position: int


class CategoryIn(InSchema):
    name: str = Field(min_length=1, max_length=80)
    position: Position = 0


class ProductOut(Schema):
    id: int
    code: str
    name: str
    category: CategoryRef | None
    unit: str
    list_price: Decimal
    currency: str
    tax_rate: Decimal
    description: str
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = Field(description="Send it back with an update to refuse the edit if someone else saved first.")


class ProductQuery(QuerySchema):
    q: str = Field("", max_length=100, description="Part of the name or code.")
    category: Id | None = Field(None, description="Category id.")
    status: Literal["active", "inactive", "all"] = Field("active", description="Active products by default.")


class ProductIn(InSchema):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    category_id: Id | None = None
    unit: str = Field("", max_length=20)
    list_price: Money = Decimal("0")
    currency: Currency = Currency.CNY
    tax_rate: TaxRate = Decimal("13")
    description: str = Field("", max_length=5000)
    is_active: bool = True


class ProductPatch(InSchema):
    code: str = absent(min_length=1, max_length=40)
    name: str = absent(min_length=1, max_length=200)
    category_id: Id | None = None
    unit: str = absent(max_length=20)
    list_price: Money = absent()
    currency: Currency = absent()
    tax_rate: TaxRate = absent()
    description: str = absent(max_length=5000)
    is_active: bool = absent()
    version: int = absent(ge=1, le=2**31, description="The version you read; 409 if someone saved since.")


class PriceOut(Schema):
    """What a customer pays for a product."""

    product_id: int
    customer_id: int
    price: Decimal
    currency: str


class PriceListOut(Schema):
    id: int
    name: str
    grade: str
    region: str
    currency: str
    is_active: bool
    version: int


class PriceListItemOut(Schema):
    product_id: int
    product_name: str
    price: Decimal

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name


class PriceListDetailOut(PriceListOut):
    items: list[PriceListItemOut]


class PriceListIn(InSchema):
    name: str = Field(min_length=1, max_length=80)
    grade: GradeIn = Field("", validate_default=True)
    region: str = Field("", max_length=60)
    currency: Currency = Currency.CNY
    is_active: bool = True


class PriceListPatch(InSchema):
    name: str = absent(min_length=1, max_length=80)
    grade: GradeIn = absent()
    region: str = absent(max_length=60)
    currency: Currency = absent()
    is_active: bool = absent()
    version: int = absent(ge=1, le=2**31)


class PriceIn(InSchema):
    price: Money
