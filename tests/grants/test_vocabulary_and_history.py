"""One vocabulary for service domains and districts on every page and document, and the history of
officers' changes to organizations, credit-list entries and districts (issue 13)."""
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from grants import services
from grants.defaults import DOMAINS
from grants.models import ChangeRecord, District
from grants.vocabulary import district_names, document_domain_label, domain_label
from projects.agreements import agreement_context
from projects.states import State
from reviewers.sheets import publicity_rows

pytestmark = pytest.mark.django_db


def test_pages_and_documents_name_a_domain_the_same_way(world):
    with translation.override("zh-hans"):
        page_label = str(DOMAINS["elderly"])
        assert page_label == domain_label("elderly") == "为老服务"
    with translation.override("en"):
        assert document_domain_label("elderly") == "为老服务"  # documents are Chinese whatever the request
    project = world.advance(world.draft(), State.PUBLICITY)
    assert agreement_context(project)["project"]["domain"] == "为老服务"
    rows = publicity_rows([project], {}, "mean", date.today())
    assert rows[0]["domain"] == "为老服务"


def test_districts_are_data_that_officers_keep(client, world):
    assert "鹿城区" in district_names()
    client.force_login(world.officer)
    response = client.post(reverse("rounds:districts"), {"name": "温州湾新区", "position": "13", "active": "on"})
    assert response.status_code == 302
    assert "温州湾新区" in district_names()
    assert "温州湾新区" in client.get(reverse("applicant:register")).content.decode()
    lucheng = District.objects.get(name="鹿城区")
    client.post(reverse("rounds:toggle_district", args=[lucheng.pk]))
    assert "鹿城区" not in district_names()
    assert list(ChangeRecord.objects.filter(subject="district").values_list("action", flat=True)) == ["change", "create"]
    # a round serving some districts offers only those to its applicants
    lucheng.rounds.add(world.round)
    assert district_names(world.round) == ["鹿城区"]


def test_organization_and_credit_list_changes_are_recorded_with_before_and_after(world):
    org = world.org
    org.contact_phone = "0577-88880000"
    services.save_organization(actor=world.officer, organization=org)
    record = ChangeRecord.objects.get(subject="organization", organization=org)
    assert record.actor == world.officer and record.after == {"contact_phone": "0577-88880000"}
    entry = services.record_credit_listing(actor=world.officer, organization=org, list_type="abnormal",
                                           listed_on=date(2025, 1, 5), reason="未按时年检")
    services.end_credit_listing(actor=world.officer, entry_id=entry.pk, removed_on=date(2025, 6, 1))
    services.delete_credit_listing(actor=world.officer, entry_id=entry.pk)
    records = list(ChangeRecord.objects.filter(subject="credit_entry").order_by("at", "id"))
    assert [r.action for r in records] == ["create", "change", "delete"]
    assert records[1].before == {"removed_on": "—"} and records[1].after == {"removed_on": "2025-06-01"}
    assert records[2].before["reason"] == "未按时年检"
