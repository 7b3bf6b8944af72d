"""Officers keep the official holiday schedule on their own page (issue 16): the days entered over the
holidays package, for a year it does not carry yet. Only officers and administrators may; the rest get 404."""
import json
from datetime import date

import pytest
from django.contrib.admin.models import DELETION, LogEntry
from django.urls import reverse

from accounts.models import Role
from core.calendar import LIBRARY_YEARS
from grants import workdays
from grants.models import WorkingDayOverride
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.official_calendar]

NEXT_YEAR = max(LIBRARY_YEARS) + 1


def test_an_officer_enters_next_years_notice_and_periods_can_be_counted(client):
    officer = UserFactory(role=Role.OFFICER)
    client.force_login(officer)
    page = client.get(reverse("holidays"))
    assert page.status_code == 200
    assert "节假日安排" in page.content.decode()

    response = client.post(reverse("holidays"), {"date": f"{NEXT_YEAR}-01-01", "name": "元旦", "note": "国办发明电"},
                           follow=True)
    assert response.status_code == 200
    day = WorkingDayOverride.objects.get()
    assert (day.date, day.is_working_day, day.created_by) == (date(NEXT_YEAR, 1, 1), False, officer)
    # The year now has a schedule: 1 January off, so 31 December + 1 working day skips it.
    assert workdays.add_working_days(date(NEXT_YEAR - 1, 12, 31), 1) > date(NEXT_YEAR, 1, 1)


def test_the_same_date_twice_is_refused_in_chinese_and_nothing_changes(client):
    officer = UserFactory(role=Role.OFFICER)
    client.force_login(officer)
    client.post(reverse("holidays"), {"date": f"{NEXT_YEAR}-01-01", "name": "元旦"})
    response = client.post(reverse("holidays"), {"date": f"{NEXT_YEAR}-01-01", "name": "重复"})
    assert response.status_code == 200
    assert WorkingDayOverride.objects.get().name == "元旦"
    assert "已存在" in response.content.decode()


def test_an_officer_removes_a_day(client):
    officer = UserFactory(role=Role.OFFICER)
    client.force_login(officer)
    client.post(reverse("holidays"), {"date": f"{NEXT_YEAR}-01-01", "name": "元旦"})
    day = WorkingDayOverride.objects.get()
    client.post(reverse("holidays_delete", args=[day.pk]))
    assert not WorkingDayOverride.objects.exists()


@pytest.mark.parametrize("role", [Role.APPLICANT, Role.FINANCE, Role.EXPERT, Role.EVALUATOR])
def test_other_roles_get_404_and_crafted_posts_change_nothing(client, role):
    officer = UserFactory(role=Role.OFFICER)
    kept = WorkingDayOverride.objects.create(date=date(NEXT_YEAR, 1, 1), name="元旦", created_by=officer)
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("holidays")).status_code == 404
    assert client.post(reverse("holidays"), {"date": f"{NEXT_YEAR}-02-01", "name": "x"}).status_code == 404
    assert client.post(reverse("holidays_delete", args=[kept.pk])).status_code == 404
    assert list(WorkingDayOverride.objects.values_list("pk", flat=True)) == [kept.pk]


def test_removing_a_day_leaves_an_audit_row_with_what_it_said(client):
    entered_by, remover = UserFactory(role=Role.OFFICER), UserFactory(role=Role.OFFICER)
    client.force_login(entered_by)
    client.post(reverse("holidays"), {"date": f"{NEXT_YEAR}-10-08", "name": "国庆节", "note": "国办发明电〔2026〕1号"})
    day = WorkingDayOverride.objects.get()
    client.force_login(remover)
    client.post(reverse("holidays_delete", args=[day.pk]))
    assert not WorkingDayOverride.objects.exists()
    entry = LogEntry.objects.get(action_flag=DELETION, object_id=str(day.pk))
    assert entry.user == remover and entry.content_type.model == "workingdayoverride"
    [change] = json.loads(entry.change_message)
    assert change["deleted"]["before"] == {
        "date": f"{NEXT_YEAR}-10-08", "is_working_day": False, "name": "国庆节", "note": "国办发明电〔2026〕1号",
        "created_by": entered_by.get_username(), "created_at": day.created_at.isoformat()}
    # The configuration audit export prints it.
    assert f"{NEXT_YEAR}-10-08 休息 国庆节" in entry.get_change_message() and entered_by.get_username() in entry.get_change_message()
