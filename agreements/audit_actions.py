"""The audit actions of STEP 1-3, registered with the core trail (alliance.audit.register_actions) next to the
services that log them (agreements.services, agreements.receivers).

Every action on a career alignment is named `alignment.*`: its rows are private to the employee whatever object
they name, and the alignment's changed values are never kept (DESIGN: career aspirations).
"""

from django.utils.translation import gettext_lazy as _

from alliance.audit import register_actions, register_change_keys

register_actions(
    {
        "alignment.create": _("Career alignment recorded"),
        "alignment.update": _("Career alignment edited"),
        "alignment.confirm": _("Career alignment confirmed"),
        "alignment.share_with_hr": _("Career alignment sharing with HR changed"),
        "alignment.share": _("Career alignment shared with a colleague"),
        "alignment.unshare": _("Career alignment sharing withdrawn"),
        "alignment.share_with_new_manager": _("Earlier career alignments shared with a new manager"),
        "alignment.grants_end_on_leaving": _("Career alignments shared with a leaver withdrawn"),
        "alignment.keep_from_new_manager": _("Earlier career alignments kept from a new manager"),
        "tour.create": _("Tour created"),
        "tour.update": _("Tour edited"),
        "tour.discard": _("Draft tour discarded"),
        "agreement.discard": _("Draft agreement version discarded"),
        "tour.allow_concurrent": _("Concurrent tours allowed or refused"),
        "agreement.edit": _("Agreement draft edited"),
        "agreement.request_signatures": _("Signatures requested"),
        "agreement.withdraw": _("Signature request withdrawn"),
        "agreement.decline": _("Signature declined"),
        "agreement.sign": _("Agreement signed"),
        "agreement.amend": _("Amendment started"),
        "agreement.pdf_read": _("Signed agreement PDF opened by someone other than its employee"),
        "agreement_template.update": _("Default clauses changed"),
    },
    private_prefix="alignment.",
    private_models=("agreements.careeralignment",),
)

# A signature that completes an amendment applies its goal and end date to the tour (services.signing._complete).
register_change_keys("agreement.sign", {"tour.goal": _("Tour goal"), "tour.end_date": _("Tour end date")})
