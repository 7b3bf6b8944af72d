from django.core import mail

from accounts.models import Notification
from projects import services
from projects.notifications import notify_transition
from projects.states import State
from tests.factories import member_of


def test_transition_notifies_members_in_app_and_by_email_after_commit(world, django_capture_on_commit_callbacks):
    world.member.email = "a@example.org"
    world.member.save()
    colleague = member_of(world.org, email="b@example.org")
    project = world.advance(world.draft(), State.SUBMITTED)
    with django_capture_on_commit_callbacks(execute=True):
        services.return_for_revision(actor=world.officer, project_id=project.pk, comment="请补充")
    notes = Notification.objects.filter(project=project)
    assert {n.recipient for n in notes} == {world.member, colleague}
    assert all("退回补正" in n.text and "请补充" in n.text for n in notes)
    assert sorted(a for m in mail.outbox for a in m.to) == ["a@example.org", "b@example.org"]


def test_the_actor_is_not_notified_and_running_twice_notifies_once(world, django_capture_on_commit_callbacks):
    colleague = member_of(world.org)
    project = world.draft()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_project(actor=world.member, project_id=project.pk)
    event = project.events.get(action="submit")
    assert notify_transition(event.pk) == 0
    # The colleague hears of the submission, the program officer gets the work; the submitter nothing.
    assert sorted(Notification.objects.values_list("recipient", flat=True)) == sorted([colleague.pk, world.officer.pk])


def test_nothing_is_sent_when_the_transaction_rolls_back(world):
    project = world.advance(world.draft(), State.SUBMITTED)
    services.return_for_revision(actor=world.officer, project_id=project.pk, comment="请补充")
    assert not Notification.objects.exists()  # callbacks discarded: the test transaction never commits
