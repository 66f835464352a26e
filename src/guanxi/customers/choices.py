"""Kinds, grades, statuses and sources of customers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerKind(models.TextChoices):
    COMPANY = "company", _("Company")
    INDIVIDUAL = "individual", _("Individual")


class CustomerGrade(models.TextChoices):
    A = "A", _("A (key)")
    B = "B", _("B (important)")
    C = "C", _("C (normal)")
    D = "D", _("D (low)")


class CustomerStatus(models.TextChoices):
    POTENTIAL = "potential", _("Potential")
    INTENT = "intent", _("Intent")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    DORMANT = "dormant", _("Dormant")


class CustomerSource(models.TextChoices):
    WEBSITE = "website", _("Website")
    REFERRAL = "referral", _("Referral")
    EXHIBITION = "exhibition", _("Exhibition")
    COLD_CALL = "cold_call", _("Cold call")
    ADVERTISING = "advertising", _("Advertising")
    PARTNER = "partner", _("Partner")
    SOCIAL = "social", _("Social media")
    OTHER = "other", _("Other")


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    IT = "it", _("Software and IT")
    RETAIL = "retail", _("Retail and e-commerce")
    FINANCE = "finance", _("Finance")
    EDUCATION = "education", _("Education")
    HEALTHCARE = "healthcare", _("Healthcare")
    CONSTRUCTION = "construction", _("Construction and real estate")
    LOGISTICS = "logistics", _("Logistics")
    ENERGY = "energy", _("Energy")
    FOOD = "food", _("Food and beverage")
    SERVICES = "services", _("Professional services")
    GOVERNMENT = "government", _("Government and public sector")
    OTHER = "other", _("Other")
