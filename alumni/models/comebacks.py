"""A comeback hire (出戻り): an alumnus who became an active member again, kept so that the alumni years stay on
their career timeline."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from alliance.models import Membership, Organization, TenantModel
from alumni.models.departures import Departure


class Comeback(TenantModel):
    """One return of an alumnus, recorded when their invitation is accepted (alliance.signals.member_returned).
    `left_on` is the last day of the earlier time (inclusive), `came_back_on` the day they became active again;
    `departure` the completed departure that ended that time, when there was one. Never deleted."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="comebacks", verbose_name=_("organization")
    )
    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="comebacks", verbose_name=_("member")
    )
    departure = models.ForeignKey(
        Departure,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="comebacks",
        verbose_name=_("departure"),
    )
    left_on = models.DateField(_("left on"), null=True, blank=True)
    came_back_on = models.DateField(_("came back on"))
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        ordering = ["-came_back_on", "-id"]
        verbose_name = _("comeback")
        verbose_name_plural = _("comebacks")

    def __str__(self):
        return f"{self.membership} ← {self.came_back_on:%Y-%m-%d}"
