"""The base of every tenant-owned model: its `organization` key and the default manager scoped by it.

Kept apart from `alliance.models` so that the core's other model modules (`core_models`, the history event
models of `alliance.history`) build on it without importing `alliance.models`, which imports them.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager, get_scope
from django_scopes.manager import DisabledQuerySet


class RemembersLoadedValues:
    """Keep the column values a row had when it was read, so `alliance.audit.diff` can say what a save changed."""

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_values = dict(zip(field_names, values, strict=False))
        return instance


class ExplainedSaves:
    """A model whose saves the page cache's post_save receiver bumps for (`alliance.page_cache`): each table's
    INSERT or UPDATE of a save runs in an `explained` block, so the write watch of a request
    (`InvalidateOnWriteMiddleware`) does not count it as a write nothing bumped for. Only the statements of the
    save itself: what post_save receivers write runs outside the block."""

    def _save_table(self, raw=False, cls=None, *args, **kwargs):
        from alliance import page_cache

        table = (cls or self.__class__)._meta.concrete_model._meta.db_table
        with page_cache.explained(table):
            return super()._save_table(raw, cls, *args, **kwargs)


class TenantQuerySet(models.QuerySet):
    """The queryset of tenant models; app querysets (`InvitationQuerySet`) extend it.

    Its bulk writes, which send no `post_save`, drop the kept pages of the organizations they touch
    (`alliance.page_cache`), after the transaction commits."""

    def for_organization(self, organization):
        """The rows of `organization` (an Organization or its id)."""
        return self.filter(organization=organization)

    def update(self, **kwargs):
        from alliance import page_cache

        if not page_cache.enabled():
            return super().update(**kwargs)
        keys = None if self._moves_records(kwargs) else page_cache.queryset_keys(self)
        if keys is not None:
            # A member's records: the people they concern, read before the update (which changes none of them).
            with page_cache.explained(self.model._meta.db_table):
                count = super().update(**kwargs)
            if count:
                page_cache.bump_keys(keys)
            return count
        organizations = page_cache.organizations_of(self)
        users = page_cache.users_of(self)
        count = super().update(**kwargs)
        if count:
            # Rows moved to another organization (no app code does): that one's pages too.
            moved_to = kwargs.get("organization", kwargs.get("organization_id"))
            page_cache.bump_organizations([*organizations, getattr(moved_to, "pk", moved_to)])
            page_cache.bump_users(users)
        return count

    update.alters_data = True

    def _moves_records(self, fields) -> bool:
        """Whether writing `fields` (names or attnames) may move rows to another member's record: it sets a
        foreign key to a membership, the first relation of the model's path to its member, or the
        organization."""
        from alliance import page_cache

        narrow = page_cache.narrow_of(self.model)
        if narrow is None:
            return True
        moving = {"organization_id", *page_cache._membership_columns(self.model)}
        if narrow.path:
            moving.add(f"{narrow.path.split('__')[0]}_id")
        for name in fields:
            field = self.model._meta.get_field(name)
            if getattr(field, "attname", name) in moving:
                return True
        return False

    def delete(self):
        from alliance import page_cache

        if not page_cache.enabled():
            return super().delete()
        organizations = page_cache.organizations_of(self)
        users = page_cache.users_of(self)
        deleted = super().delete()
        if deleted[0]:
            page_cache.bump_organizations(organizations)
            page_cache.bump_users(users)
        return deleted

    delete.alters_data = True
    delete.queryset_only = True

    def bulk_create(self, objs, *args, **kwargs):
        from alliance import page_cache

        if not page_cache.enabled():
            return super().bulk_create(objs, *args, **kwargs)
        objs = list(objs)
        with page_cache.explained(self.model._meta.db_table):
            created = super().bulk_create(objs, *args, **kwargs)
        page_cache.bump_rows(objs)
        return created

    def bulk_update(self, objs, fields, *args, **kwargs):
        from alliance import page_cache

        if not page_cache.enabled():
            return super().bulk_update(objs, fields, *args, **kwargs)
        objs = list(objs)
        if self._moves_records(fields):
            # Rows moved to another member: the organization (their previous members are not known here).
            updated = super().bulk_update(objs, fields, *args, **kwargs)
            page_cache.bump_organizations({obj.organization_id for obj in objs})
            page_cache.bump_users({obj.user_id for obj in objs if obj._meta.label == "alliance.Membership"})
            return updated
        with page_cache.explained(self.model._meta.db_table):
            updated = super().bulk_update(objs, fields, *args, **kwargs)
        page_cache.bump_rows(objs)
        return updated


class ClosedQuerySet(DisabledQuerySet):
    """What a tenant manager hands out when no organization scope is active: every way of reading rows raises
    `ScopeError`. django-scopes' own `DisabledQuerySet` lets a few through (`exists()`, `exclude()`,
    `select_related()` ... would run unfiltered or fail with an AttributeError on our queryset methods); this
    closes them too. `none()`, `create()`, `bulk_create()` and `using()` stay open: they read no row."""

    exclude = exists = contains = in_bulk = bulk_update = explain = DisabledQuerySet.error
    select_related = prefetch_related = distinct = defer = extra = alias = DisabledQuerySet.error
    intersection = difference = DisabledQuerySet.error


def _closed_queryset_class(queryset_class: type[models.QuerySet]) -> type[ClosedQuerySet]:
    """`ClosedQuerySet` with every method `queryset_class` adds to Django's QuerySet (`pending()`, pghistory's
    `tracks()` ...) raising `ScopeError` as well, rather than an AttributeError that hides the cause."""
    own = {
        name
        for klass in queryset_class.__mro__
        if klass not in models.QuerySet.__mro__
        for name, value in vars(klass).items()
        if callable(value) and not name.startswith("_")
    }
    return type(f"Closed{queryset_class.__name__}", (ClosedQuerySet,), dict.fromkeys(own, DisabledQuerySet.error))


def tenant_manager(queryset_class: type[models.QuerySet] = TenantQuerySet) -> models.Manager:
    """The default manager of a model with an `organization` field: django-scopes' `ScopedManager` on the
    `organization` dimension, keeping `queryset_class`'s methods.

    Inside `scope(organization=X)` (X an Organization, its id, or a list of them) every query is filtered to X;
    inside `scopes_disabled()` nothing is filtered; anywhere else a query raises `django_scopes.ScopeError`
    (see `ClosedQuerySet`). `for_organization(org)` names the tenant itself, so it works outside a scope too;
    inside a scope it narrows further (another organization's rows stay out of reach). Related managers
    (`organization.memberships`, `membership.reports`) derive from this one and are scoped alike; a forward
    foreign key (`notice.recipient`) reads through the unscoped base manager, by the id the row already holds.
    """
    base = ScopedManager(_manager_class=models.Manager.from_queryset(queryset_class), organization="organization")
    closed = _closed_queryset_class(queryset_class)

    class TenantManager(type(base)):
        def get_queryset(self):
            queryset = super().get_queryset()
            if isinstance(queryset, DisabledQuerySet):
                return closed(self.model, using=self._db, missing_scopes=queryset.missing_scopes)
            return queryset

        def for_organization(self, organization):
            if organization is None:
                # django-scopes reads a None scope as "no filter"; a missing organization matches no row.
                return self.with_scopes_disabled().get_queryset().none()
            current = get_scope()
            if current.get("_enabled", True) and "organization" not in current:
                # No scope: the caller names the tenant, which is what the scope would have done.
                return self.with_scopes_disabled().get_queryset().filter(organization=organization)
            return self.get_queryset().filter(organization=organization)

    TenantManager.__name__ = TenantManager.__qualname__ = f"Scoped{queryset_class.__name__}Manager"
    return TenantManager()


class TenantModel(ExplainedSaves, RemembersLoadedValues, models.Model):
    """Base of every tenant-owned row: `organization` is the isolation key and the first index column, and
    `objects` is scoped by it (`tenant_manager`): a query outside an organization scope raises."""

    organization = models.ForeignKey(
        "alliance.Organization", on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )

    objects = tenant_manager()

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        """Delete the row and drop its organization's kept pages (alliance.page_cache; no post_save for it)."""
        from alliance import page_cache

        result = super().delete(*args, **kwargs)
        page_cache.bump_rows([self], deleted=True)
        return result
