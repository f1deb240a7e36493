"""Database history of the agreements' sensitive tables (see alliance.history)."""

from agreements.models import AgreementVersion, Kpi, Signature, Tour
from alliance.history import track

track(AgreementVersion, "AgreementVersionEvent")
track(Signature, "SignatureEvent")
track(Kpi, "KpiEvent")
track(Tour, "TourEvent")
