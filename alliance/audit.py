"""The audit trail: `audit_log(...)` writes who did what to which object, what changed, when, from where.

Services call it once near their end. Who and from where come from the request being served
(`AuditContextMiddleware` keeps it in a context variable), so a service needs no extra arguments; a task or a
command has no request and records no address. Changes made outside the services are caught by the database
history triggers (`alliance.history`).
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from alliance.models import AuditEntry, Membership
from alliance.security import client_ip

_request: contextvars.ContextVar = contextvars.ContextVar("audit_request", default=None)

# Records whose content is private to one person (DESIGN: career aspirations), as "app_label.model": the trail
# keeps which fields changed but not their values, and HR's page does not list them (HR may not even learn one
# exists). Filled by the apps that own such records (`register_actions`).
PRIVATE_MODELS: set[str] = set()
REDACTED = "•••"
# Action-name prefixes whose rows are private whatever object they name (`alignment.` for every action on a
# career alignment), filled by `register_actions`.
PRIVATE_PREFIXES: set[str] = set()


class AuditContextMiddleware:
    """Keep the request (user, membership, address, user agent) for `audit_log`, and hand the user to
    pghistory's trigger context on PostgreSQL so that rows changed in this request name who changed them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            if connection.vendor == "postgresql":
                import pghistory

                user = getattr(request, "user", None)
                user_id = user.pk if user is not None and user.is_authenticated else None
                with pghistory.context(user=user_id, url=request.path):
                    return self.get_response(request)
            return self.get_response(request)
        finally:
            _request.reset(token)


@contextmanager
def acting_request(request):
    """Run code as if serving `request` (tests, management commands that act for a person)."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


def _plain(value):
    """A JSON-safe form of a field value (dates as ISO text, decimals as text)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return None
    return value


def diff(obj: models.Model, fields=None) -> dict:
    """`{field: [before, after]}` for the concrete fields of `obj` that differ from the values it was read with
    (`RemembersLoadedValues`). A new object (never read) reports every given field as `[None, value]`; without
    `fields` it reports nothing, since its creation is the news. Foreign keys are compared by id."""
    loaded = getattr(obj, "_loaded_values", None)
    result = {}
    for field in obj._meta.concrete_fields:
        if fields is not None and field.name not in fields and field.attname not in fields:
            continue
        if field.name in {"updated_at"}:
            continue
        after = field.value_from_object(obj)
        if loaded is None:
            if fields is None:
                continue
            before = None
        elif field.attname in loaded:
            before = loaded[field.attname]
        else:
            continue
        if before != after:
            result[field.name] = [_plain(before), _plain(after)]
    return result


def _subject_id(obj) -> int | None:
    """The membership a record is about: the member itself, or the employee of an alignment, tour or agreement."""
    if obj is None:
        return None
    if isinstance(obj, Membership):
        return obj.pk
    for path in ("employee_id", "tour.employee_id", "agreement.tour.employee_id", "version.agreement.tour.employee_id"):
        target = obj
        try:
            for part in path.split("."):
                target = getattr(target, part)
        except AttributeError:
            continue
        return target
    return None


def audit_log(
    action: str,
    *,
    obj: models.Model | None = None,
    actor: Membership | None = None,
    changes: dict | None = None,
    organization=None,
    subject: Membership | None = None,
    label: str | None = None,
) -> AuditEntry:
    """Append one audit row and return it.

    `action` is a dotted name (`membership.update`); `obj` the object acted on (its content type, id and text
    label are recorded); `changes` a `{field: [before, after]}` dict (see `diff`). `actor` defaults to the
    membership of the request being served; the organization to the object's or the actor's. Raises
    ValueError when no organization can be found.
    """
    request = _request.get()
    if actor is None and request is not None:
        actor = getattr(request, "membership", None)
    user = actor.user if actor is not None else None
    if user is None and request is not None and getattr(request, "user", None) is not None:
        user = request.user if request.user.is_authenticated else None
    if organization is None:
        organization_id = getattr(obj, "organization_id", None) or (actor.organization_id if actor else None)
        if organization_id is None and obj is not None and obj._meta.label_lower == "alliance.organization":
            organization_id = obj.pk
    else:
        organization_id = organization.pk
    if organization_id is None:
        raise ValueError(f"audit_log({action!r}): no organization to file the row under")
    # Private by what it is about, whatever object carries it: an employee's answer to the share offer is filed
    # under a ManagerChange or a Membership, yet says how many alignments they keep (issue 7).
    # The words of a private record are never kept; a count (how many were shared) is kept for auditors.
    private_content = obj is not None and obj._meta.label_lower in PRIVATE_MODELS
    private = private_content or action.startswith(tuple(PRIVATE_PREFIXES))
    changes = changes or {}
    if private_content:
        changes = {field: [REDACTED, REDACTED] for field in changes}
    if actor is not None and actor.organization_id != organization_id:
        actor = None  # a person acting in another organization (never expected) is kept as a user only
    return AuditEntry.objects.create(
        organization_id=organization_id,
        actor_user=user,
        actor=actor,
        subject_id=subject.pk if subject is not None else _subject_id(obj),
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_label=(label if label is not None else str(obj) if obj is not None else "")[:300],
        changes=changes,
        ip_address=client_ip(request) if request is not None else None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:500] if request is not None else "",
        private=private,
    )


# What HR reads on the audit page for each action name; an unknown name is shown as it is. The core's own
# actions; each feature app adds its own with `register_actions`.
ACTIONS = {
    "invitation.create": _("Invitation sent"),
    "invitation.revoke": _("Invitation withdrawn"),
    "membership.join": _("Invitation accepted"),
    "membership.update": _("Member changed"),
    "organization.update": _("Organization settings changed"),
    "company_value.create": _("Company value added"),
    "company_value.update": _("Company value changed"),
    "audit.export": _("Audit trail exported"),
    "department.create": _("Department added"),
    "department.update": _("Department renamed"),
    "department.move": _("Department moved in the list"),
    "department.archive": _("Department archived"),
    "department.unarchive": _("Department brought back"),
    "member.import": _("Members imported from a file"),
    "member.export": _("Members exported to a file"),
    "hr_list.export": _("HR dashboard list exported"),
    "account.mfa_add": _("Two-factor method added"),
    "account.mfa_remove": _("Two-factor method removed"),
    "account.mfa_reset": _("Recovery codes renewed"),
}

# What HR reads for a recorded key that is no field of the row's object (a count, a related record's field),
# by action then key; the core's own, each feature app adds its own with `register_change_keys`.
CHANGE_KEYS: dict[str, dict] = {
    "member.import": {
        "invited": _("People invited"),
        "updated": _("Members changed"),
        "unchanged": _("Rows without change"),
        "new_departments": _("Departments added"),
    },
    "audit.export": {"format": _("File format"), "filters": _("Filters"), "rows": _("Rows exported")},
}
for _mfa in ("account.mfa_add", "account.mfa_remove", "account.mfa_reset"):
    CHANGE_KEYS[_mfa] = {"method": _("Two-factor method")}
# What every export (alliance.services.export_recorded) records.
for _export in ("member.export", "hr_list.export"):
    CHANGE_KEYS[_export] = {
        "list": _("List"),
        "format": _("File format"),
        "filters": _("Filters"),
        "rows": _("Rows exported"),
    }


def register_change_keys(action: str, labels: dict) -> None:
    """Name the keys that `action`'s rows record without being a field of their object (`labels`: key to a lazy
    translation), so that the audit page shows "コミットメント目標" rather than "tour.goal"."""
    CHANGE_KEYS.setdefault(action, {}).update(labels)


# Actions whose rows are always about a private record (PRIVATE_PREFIXES): left out of HR's action filter.
PRIVATE_ACTIONS: set[str] = set()


def register_actions(labels: dict, *, private_prefix: str = "", private_models: Iterable[str] = ()) -> None:
    """Add a feature app's audit actions: `labels` maps each action name it passes to `audit_log` ("tour.create")
    to the label HR reads (a lazy translation). `private_prefix` marks every action so named as private (its
    rows are hidden from HR's page), `private_models` ("app_label.model") the records whose changed values are
    redacted. Called at import time of the app's `audit_actions` module, which its AppConfig.ready() imports.
    Raises ImproperlyConfigured for a name already registered with another label."""
    for name, label in labels.items():
        if name in ACTIONS and ACTIONS[name] != label:
            raise ImproperlyConfigured(f"audit action {name!r} is registered twice with different labels")
        ACTIONS[name] = label
    if private_prefix:
        PRIVATE_PREFIXES.add(private_prefix)
    PRIVATE_MODELS.update(private_models)
    PRIVATE_ACTIONS.update(name for name in ACTIONS if name.startswith(tuple(PRIVATE_PREFIXES)))


def action_label(action: str) -> str:
    """The label HR reads for `action` (registered with `register_actions`, or the core's); else the name."""
    return str(ACTIONS.get(action, action))


def _field_named(model, name):
    """The field `name` of `model`, else the field of that name on a record related to it (a signature's `role`
    logged on its version), else None."""
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        pass
    related = []
    for relation in model._meta.related_objects:
        try:
            related.append(relation.related_model._meta.get_field(name))
        except FieldDoesNotExist:
            continue
    # Several related records may have such a field (a signature's role, a signing event's free-text role):
    # the one with choices says what the values mean.
    return next((f for f in related if getattr(f, "flatchoices", None)), related[0] if related else None)


def _shown_value(field, value):
    """A recorded value as a reader understands it: a choice's label in their language, yes/no for a flag."""
    if value is None:
        return None
    choices = dict(getattr(field, "flatchoices", None) or ()) if field is not None else {}
    if choices:
        return choices.get(value, value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return value


def _entry_model(entry: AuditEntry):
    if entry.content_type_id:
        return ContentType.objects.get_for_id(entry.content_type_id).model_class()
    return None


def _is_tenant_reference(field) -> bool:
    """A foreign key (recorded by id, see `diff`) to a record that belongs to one organization."""
    if field is None or not field.concrete or not (field.many_to_one or field.one_to_one):
        return False
    return any(f.name == "organization" for f in field.related_model._meta.concrete_fields)


def related_names(entries: Iterable[AuditEntry]) -> dict:
    """`{(model, pk): name}` for the records that `entries`' changes name by id (a member's manager, an
    invitation's department), so that `change_rows` shows "上司 太郎" rather than "2". Reads one query per related
    model, and only records of the entries' own organizations: an id of another organization stays a number."""
    wanted: dict = {}
    organizations = set()
    for entry in entries:
        organizations.add(entry.organization_id)
        model = _entry_model(entry)
        if model is None:
            continue
        for name, values in (entry.changes or {}).items():
            field = _field_named(model, name)
            if not _is_tenant_reference(field):
                continue
            pair = values if isinstance(values, list) else [values]
            ids = {v for v in pair if isinstance(v, int) and not isinstance(v, bool)}
            wanted.setdefault(field.related_model, set()).update(ids)
    names = {}
    for related, ids in wanted.items():
        if not ids:
            continue
        rows = related._base_manager.filter(pk__in=ids, organization_id__in=organizations)
        if related is Membership:
            rows = rows.select_related("user")
        for row in rows:
            names[(related, row.pk)] = getattr(row, "shown_name", None) or str(row)
    return names


def change_rows(entry: AuditEntry, names: dict | None = None) -> list[tuple[str, object, object]]:
    """`(field label, before, after)` for display, in the reader's language: the field's verbose name (a reverse
    relation such as a version's `kpis` by its model's plural name, a computed key such as a signature's `role` by
    the related field of that name), choice values by their labels, flags as yes/no, and a record named by id by
    its name when `names` (from `related_names`) has it. Unknown keys are shown as recorded."""
    model = _entry_model(entry)
    names = names or {}
    rows = []
    for name, values in (entry.changes or {}).items():
        field = _field_named(model, name) if model is not None else None
        if field is None and name in CHANGE_KEYS.get(entry.action, {}):
            before, after = (list(values) + [None, None])[:2] if isinstance(values, list) else (None, values)
            rows.append((str(CHANGE_KEYS[entry.action][name]), before, after))
            continue
        if _is_tenant_reference(field):
            before, after = (list(values) + [None, None])[:2] if isinstance(values, list) else (None, values)
            rows.append(
                (
                    str(field.verbose_name),
                    names.get((field.related_model, before), before),
                    names.get((field.related_model, after), after),
                )
            )
            continue
        label = name
        if field is not None:
            if field.auto_created and not field.concrete:  # a reverse relation: its value is a count of rows
                label = str(field.related_model._meta.verbose_name_plural)
            else:
                label = str(getattr(field, "verbose_name", name))
        before, after = (list(values) + [None, None])[:2] if isinstance(values, list) else (None, values)
        rows.append((label, _shown_value(field, before), _shown_value(field, after)))
    return rows
