"""Feature apps register their audit actions with the core (alliance.audit.register_actions): the core's table
names only its own actions, and an app's private records stay private through what the app declares."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from alliance import audit


@pytest.fixture
def registry(monkeypatch):
    """The registries as they are, restored after the test."""
    monkeypatch.setattr(audit, "ACTIONS", dict(audit.ACTIONS))
    monkeypatch.setattr(audit, "PRIVATE_ACTIONS", set(audit.PRIVATE_ACTIONS))
    monkeypatch.setattr(audit, "PRIVATE_PREFIXES", set(audit.PRIVATE_PREFIXES))
    monkeypatch.setattr(audit, "PRIVATE_MODELS", set(audit.PRIVATE_MODELS))
    return audit


@pytest.mark.parametrize(
    "action, private",
    [
        ("alignment.create", True),
        ("alignment.share_with_new_manager", True),
        ("alignment.grants_end_on_leaving", True),
        ("tour.create", False),
        ("agreement.sign", False),
        ("membership.update", False),
    ],
)
def test_the_agreements_app_registers_its_actions_and_which_are_private(action, private):
    assert action in audit.ACTIONS
    assert (action in audit.PRIVATE_ACTIONS) is private
    assert audit.action_label(action) != action


def test_the_agreements_app_declares_its_private_record():
    assert "agreements.careeralignment" in audit.PRIVATE_MODELS


@pytest.mark.parametrize(
    "labels, kwargs, raises, private",
    [
        ({"thing.make": _("Thing made")}, {}, False, set()),
        ({"secret.open": _("Secret opened")}, {"private_prefix": "secret."}, False, {"secret.open"}),
        # The same label again (a module imported twice) is no change.
        ({"tour.create": audit.ACTIONS["tour.create"]}, {}, False, set()),
        # Two apps may not disagree on what an action is called.
        ({"tour.create": _("Something else")}, {}, True, set()),
    ],
)
def test_register_actions(registry, labels, kwargs, raises, private):
    if raises:
        with pytest.raises(ImproperlyConfigured):
            registry.register_actions(labels, **kwargs)
        return
    registry.register_actions(labels, **kwargs)
    for name in labels:
        assert registry.action_label(name) == str(labels[name])
        assert (name in registry.PRIVATE_ACTIONS) is (name in private)
