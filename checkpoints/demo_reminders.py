"""Demo data for reminders (filled in below)."""


def seed(organization) -> None:
    """Placeholder."""
