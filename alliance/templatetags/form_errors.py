"""The error summary shown at the top of every form page (templates/_error_summary.html)."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


def error_items(*forms) -> list[dict]:
    """The errors of `forms` (forms or formsets, None skipped), in page order: each {"id", "label", "message"},
    where "id" is the id of the field's input (the summary links to it) or "" for an error that names no field.
    Rows of a formset marked for deletion are left out, as the formset's own validation leaves them out."""
    items = []
    for form in forms:
        if form is None or not getattr(form, "is_bound", False):
            continue
        rows = getattr(form, "forms", None)
        number = 0
        for sub in rows if rows is not None else [form]:
            # A row the person removed is not validated by the formset (nor shown): its errors would point at
            # a hidden field, and the rows are numbered as the page numbers them, without the removed ones.
            if rows is not None and form.can_delete and form._should_delete_form(sub):
                continue
            number += 1
            if not sub.errors:
                continue
            items.extend({"id": "", "label": "", "message": error} for error in sub.non_field_errors())
            for name in sub.fields:
                if name not in sub.errors:
                    continue
                bound = sub[name]
                # A radio or checkbox list has no input with its own id: link to its first choice.
                target = bound.id_for_label or bound.auto_id
                if bound.field.widget.use_fieldset and bound.subwidgets:
                    target = bound.subwidgets[0].id_for_label or target
                # In a formset the same label repeats on every row: say which row.
                label = (
                    _("%(label)s (row %(n)s)") % {"label": bound.label, "n": number}
                    if rows is not None
                    else bound.label
                )
                items.extend({"id": target, "label": label, "message": error} for error in bound.errors)
        if hasattr(form, "non_form_errors"):
            items.extend({"id": "", "label": "", "message": error} for error in form.non_form_errors())
    return items


@register.inclusion_tag("_error_summary.html")
def error_summary(*forms):
    """`{% error_summary form formset ... %}`: a "There is a problem" box linking to each field in error."""
    return {"items": error_items(*forms)}
