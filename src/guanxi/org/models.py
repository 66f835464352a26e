"""Users, departments (a tree), roles granting actions and data scopes, and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from guanxi.core.scopes import DataScope, widest


class Department(models.Model):
    """A department (部门); `path` is the materialised path ("0001.0004.") of ids from the root."""

    name = models.CharField(_("name"), max_length=80)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def path_segment(pk: int) -> str:
        return f"{pk:06d}."


class Role(models.Model):
    """A role (角色) grants actions per module and a data scope per module."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=255, blank=True)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    scopes = models.JSONField(_("data scopes"), default=dict, blank=True)
    require_2fa = models.BooleanField(_("require two-factor sign-in"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in: seller, service agent, manager or admin."""

    display_name = models.CharField(_("name"), max_length=80, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="members",
    )
    manager = models.ForeignKey(
        "self", verbose_name=_("manager"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="reports",
    )
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="users")
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)

    objects = UserManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    # -- what the kernel asks of an actor (guanxi.core.scopes.Actor) --

    @cached_property
    def _grants(self) -> tuple[set[str], dict[str, list[str]], bool]:
        actions: set[str] = set()
        scopes: dict[str, list[str]] = {}
        needs_2fa = False
        for role in self.roles.all():
            actions.update(role.actions or [])
            for module, scope in (role.scopes or {}).items():
                scopes.setdefault(module, []).append(scope)
            needs_2fa = needs_2fa or role.require_2fa
        return actions, scopes, needs_2fa

    def has_action(self, action: str) -> bool:
        if not self.is_active:
            return False
        return self.is_superuser or action in self._grants[0]

    def scope_for(self, module: str) -> DataScope | None:
        if not self.is_active:
            return None
        if self.is_superuser:
            return DataScope.ALL
        return widest(self._grants[1].get(module, []))

    def subordinate_ids(self) -> set[int]:
        return self._subordinates

    @cached_property
    def _subordinates(self) -> set[int]:
        found: set[int] = set()
        frontier = {self.pk}
        while frontier:
            ids = set(User.objects.filter(manager_id__in=frontier).values_list("pk", flat=True)) - found - {self.pk}
            found |= ids
            frontier = ids
        return found

    def department_path(self) -> str | None:
        return self.department.path if self.department is not None else None

    @property
    def requires_2fa(self) -> bool:
        return self._grants[2]


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the secret is shown once."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class SavedView(models.Model):
    """A named list filter a user keeps (保存的视图), e.g. "my A-grade customers in 北京"."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_views")
    entity = models.CharField(max_length=64)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "entity", "name"], name="saved_view_unique")]

    def __str__(self) -> str:
        return self.name
