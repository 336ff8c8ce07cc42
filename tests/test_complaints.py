"""Complaint channels (Penanganan Pengaduan, Saran dan Masukan) of the shipped policies:
encoded exactly where the signed document has the component, never invented."""

from __future__ import annotations

import pytest

from jknrules.language.policy import Policy
from jknrules.load.loader import load_policy_file

from .conftest import POLICY_DIR, SHARED

COMPONENT = "Penanganan Pengaduan"
#: (regency, version, route) of every service whose document has the component.
WITH_COMPLAINTS = {
    ("karangasem", "2025-12-31", "emergency_registration"),  # seed 000, item 7
    ("karangasem", "2025-12-31", "transfer_from_mandiri"),  # seed 001, item 7
    ("malinau", "2017-02-01", "regular_registration"),  # seed 004, Standar Pelayanan 7
    ("malinau", "2017-02-01", "emergency_registration"),
}


def shipped() -> list[Policy]:
    return [load_policy_file(p).policy for p in sorted(POLICY_DIR.glob("*.yaml"))]


def test_every_service_whose_document_has_the_component_has_complaints() -> None:
    found = {(p.regency, v.effective_from.isoformat(), route)
             for p in shipped() for v in p.versions for route, s in v.services.items()
             if s.complaints is not None}
    assert found == WITH_COMPLAINTS


@pytest.mark.parametrize("regency", ["karangasem", "batang", "malinau"])
def test_complaints_follow_the_seed(regency: str) -> None:
    """Checked against the seed text itself where the seeds are at hand."""
    seeds = SHARED / "seeds"
    if not seeds.is_dir():
        pytest.skip(f"no seeds under {seeds}")
    policy = load_policy_file(POLICY_DIR / f"{regency}.yaml").policy
    for version in policy.versions:
        for route, service in version.services.items():
            seed = version.documents[service.document].seed
            assert seed is not None, route
            has_component = COMPONENT in (seeds / seed).read_text(encoding="utf-8")
            assert (service.complaints is not None) == has_component, (seed, route)


def test_an_unreadable_value_carries_an_assumption() -> None:
    for policy in shipped():
        for version in policy.versions:
            for service in version.services.values():
                for ch in service.complaints.channels if service.complaints else ():
                    if "tidak terbaca" in ch.value:
                        assert ch.assumption is not None, ch
