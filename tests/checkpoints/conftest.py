"""Checkpoints build on signed tours: the STEP 1-3 builders of tests/agreements are reused as they are."""

import pytest
from django.utils import timezone

from checkpoints.models import Checkpoint
from tests.agreements.conftest import (  # noqa: F401  (fixtures)
    PASSWORD,
    _english_messages,
    draft_version,
    make_alignment,
    make_tour,
    signed_version,
)


@pytest.fixture
def demo_checkpoint(employee):
    """The first checkpoint still to hold of the demo employee's signed tour (scheduled by the signature, as in
    production; checkpoints/demo.py held the first one): its tour started two months before this month, so a
    1on1 held today lies within its period."""
    return Checkpoint.objects.filter(tour__employee=employee, status="scheduled").order_by("sequence").first()


@pytest.fixture
def today():
    return timezone.localdate()
