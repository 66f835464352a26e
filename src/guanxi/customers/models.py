"""Customers, contacts and tags."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OwnedModel, ScopedManager, SoftDeleteModel, TimeStampedModel

from .choices import CustomerGrade, CustomerKind, CustomerSource, CustomerStatus, Industry


class Tag(models.Model):
    """A label sellers put on customers (标签), e.g. 老客户, 重点跟进."""

    name = models.CharField(_("name"), max_length=40, unique=True)
    color = models.CharField(_("color"), max_length=7, default="#3b82f6")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(OwnedModel, SoftDeleteModel):
    """A customer (客户): a company or a person the business sells to."""

    scope_module = "customers"
    has_collaborators = True

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=CustomerKind.choices, default=CustomerKind.COMPANY)
    industry = models.CharField(_("industry"), max_length=30, choices=Industry.choices, blank=True)
    grade = models.CharField(_("grade"), max_length=1, choices=CustomerGrade.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CustomerStatus.choices, default=CustomerStatus.POTENTIAL
    )
    source = models.CharField(_("source"), max_length=20, choices=CustomerSource.choices, blank=True)
    region = models.CharField(_("region"), max_length=60, blank=True, help_text=_("Province / city, e.g. 广东 深圳"))
    address = models.CharField(_("address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, editable=False)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    website = models.URLField(_("website"), max_length=255, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    notes = models.TextField(_("notes"), max_length=10000, blank=True, validators=[MaxLengthValidator(10000)])
    last_contacted_at = models.DateTimeField(_("last contacted"), null=True, blank=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    # When an opportunity was last won or a contract signed with this customer (pool return rules read it).
    last_deal_at = models.DateTimeField(_("last deal"), null=True, blank=True, editable=False)
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    # Spaced CJK characters, pinyin and initials of the name and its contacts, for search.
    search_document = models.TextField(blank=True, editable=False, default="")
    # Bumped on every update; an edit based on an older version is refused (concurrent edits).
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["owner", "-id"], name="customer_owner"),
            models.Index(fields=["department", "-id"], name="customer_department"),
            models.Index(fields=["status", "-id"], name="customer_status"),
            models.Index(fields=["grade", "-id"], name="customer_grade"),
            models.Index(fields=["industry", "-id"], name="customer_industry"),
            models.Index(fields=["region", "-id"], name="customer_region"),
            models.Index(fields=["name"], name="customer_name"),
            models.Index(fields=["phone_e164"], name="customer_phone"),
            models.Index(fields=["email"], name="customer_email"),
            models.Index(fields=["last_contacted_at"], name="customer_last_contacted"),
            models.Index(fields=["next_follow_up_at"], name="customer_next_follow_up"),
            # Only the recycle bin reads by deleted_at; indexing live rows (all NULL) would lead SQLite's
            # planner to read every customer through this index instead of in the order a page asks for.
            models.Index(fields=["deleted_at"], name="customer_deleted", condition=models.Q(deleted_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(TimeStampedModel, SoftDeleteModel):
    """A person at a customer (联系人); visible to whoever sees the customer."""

    scope_module = "customers"
    scope_via = "customer"

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, editable=False)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    mobile_e164 = models.CharField(max_length=20, blank=True, editable=False)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    wechat = models.CharField(_("WeChat"), max_length=60, blank=True)
    is_decision_maker = models.BooleanField(_("decision maker"), default=False)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    notes = models.TextField(_("notes"), max_length=10000, blank=True, validators=[MaxLengthValidator(10000)])
    custom = models.JSONField(_("custom fields"), default=dict, blank=True)
    search_document = models.TextField(blank=True, editable=False, default="")
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey("org.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["customer", "-id"], name="contact_customer"),
            models.Index(fields=["name"], name="contact_name"),
            models.Index(fields=["mobile_e164"], name="contact_mobile"),
            models.Index(fields=["phone_e164"], name="contact_phone"),
            models.Index(fields=["email"], name="contact_email"),
        ]

    def __str__(self) -> str:
        return self.name
