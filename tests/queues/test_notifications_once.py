"""Issue 13: every role is notified, in-app and by e-mail after commit, exactly once per event. Each
test makes the event through the real service, then runs the notifier (or the periodic task) a
second time, as a retried task would, and finds one notification and one e-mail per person."""
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction

from accounts.models import Notification, NotificationKind, Role
from accounts.services import notify
from core.calendar import today
from finance import notifications as finance_notifications
from finance import services as finance
from finance.models import LedgerEntry, LedgerKind
from projects import services
from projects.notifications import notify_transition
from projects.states import State
from reviewers import notifications as review_notifications
from reviewers import reminders
from reviewers import services as review
from reviewers.models import Assignment
from tests.builders import World, budget
from tests.factories import ExpertFactory, UserFactory
from tests.finance.conftest import approved_batch, signed
from tests.queues.conftest import notes

K = NotificationKind


def emails_to(address: str) -> int:
    return sum(address in m.to for m in mail.outbox)


def test_a_key_notifies_each_person_once_whatever_races(world):
    notify(actor=None, recipients=[world.officer], text="甲", key="event:1", kind=K.OTHER)
    assert notify(actor=None, recipients=[world.officer, world.officer], text="甲", key="event:1") == []
    with pytest.raises(IntegrityError), transaction.atomic():  # the constraint, not only the code, keeps it once
        Notification.objects.create(recipient=world.officer, text="甲", key="event:1")
    assert Notification.objects.filter(key="event:1").count() == 1


def test_officers_hear_of_a_submission_and_a_resubmission_once(world, django_capture_on_commit_callbacks):
    world.officer.email = "officer@example.org"
    world.officer.save()
    project = world.draft()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_project(actor=world.member, project_id=project.pk)
    event = project.events.get(action="submit")
    notify_transition(event.pk)  # a retried run
    [note] = notes(K.SUBMISSION, world.officer)
    assert "新申报" in note.text and project.title in note.text and note.url.endswith(f"/projects/{project.pk}/")
    assert emails_to("officer@example.org") == 1

    with django_capture_on_commit_callbacks(execute=True):
        services.return_for_revision(actor=world.officer, project_id=project.pk, comment="请补充预算说明")
        services.submit_project(actor=world.member, project_id=project.pk)
    again = project.events.filter(action="submit").last()
    notify_transition(again.pk)
    [note] = notes(K.RESUBMISSION, world.officer)
    assert "重新提交" in note.text
    assert notes(K.SUBMISSION).count() == 1


def test_other_officers_hear_of_an_objection_once(world, django_capture_on_commit_callbacks):
    colleague = UserFactory(role=Role.OFFICER)
    project = world.advance(world.draft(), State.PUBLICITY)
    with django_capture_on_commit_callbacks(execute=True):
        services.raise_objection(actor=world.officer, project_id=project.pk, comment="群众反映机构资质存疑")
    notify_transition(project.events.get(action="raise_objection").pk)
    [note] = notes(K.OBJECTION)
    assert note.recipient == colleague and "资质存疑" in note.text  # the officer who recorded it is not told


def test_officers_hear_of_a_report_and_an_adjustment_request_once(world, django_capture_on_commit_callbacks):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_report(actor=world.member, project_id=project.pk, kind="progress", narrative="按计划推进",
                               expenditures=[])
        adjustment = services.request_budget_adjustment(actor=world.member, project_id=project.pk,
                                                        lines=budget("100000.00", "40000.00"), reason="活动改线上")
    for event in project.events.filter(action__in=["report", "adjustment_requested"]):
        notify_transition(event.pk)
    [report] = notes(K.REPORT_SUBMITTED, world.officer)
    [request] = notes(K.ADJUSTMENT_REQUESTED, world.officer)
    assert "进度报告" in report.text
    assert "活动改线上" in request.text and request.url.endswith(f"/adjustments/{adjustment.pk}/")


def test_the_applicant_hears_the_decision_with_amount_and_reason_once(world, django_capture_on_commit_callbacks):
    project = world.advance(world.draft(), State.REVIEWED)
    with django_capture_on_commit_callbacks(execute=True):
        services.approve_project(actor=world.officer, project_id=project.pk, approved_amount="80000.00",
                                 comment="活动物资单价偏高")
    notify_transition(project.events.get(action="approve").pk)
    [note] = notes(K.DECISION, world.member)
    assert "核定资助金额 80,000.00 元" in note.text and "核减 20,000.00 元" in note.text and "单价偏高" in note.text

    other = world.advance(world.draft(*world.new_org(), title="第二个项目"), State.REVIEWED)
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_project(actor=world.officer, project_id=other.pk, comment="与本批次重点领域不符")
    notify_transition(other.events.get(action="reject").pk)
    rejected = notes(K.DECISION).get(project=other)
    assert "不予资助" in rejected.text and "理由：与本批次重点领域不符" in rejected.text


@pytest.fixture
def reviewing(world):
    project = world.advance(world.draft(), State.UNDER_REVIEW)
    world.expert.user.email = "expert@example.org"
    world.expert.user.save()
    return project


def test_the_expert_hears_of_an_assignment_once_with_the_deadline(world, reviewing, django_capture_on_commit_callbacks):
    world.round.review_end = today() + timedelta(days=10)
    world.round.save()
    with django_capture_on_commit_callbacks(execute=True):
        assignment = review.assign_expert(actor=world.officer, project=reviewing, expert=world.expert)
    review_notifications.expert_assigned(assignment.pk)
    [note] = notes(K.EXPERT_ASSIGNED, world.expert.user)
    end = world.round.review_end
    assert reviewing.title in note.text and f"{end.year}年{end.month}月{end.day}日前" in note.text
    assert note.url.endswith(f"/review/mine/{assignment.pk}/")
    assert emails_to("expert@example.org") == 1


def test_removal_and_a_reopened_review_reach_the_expert_once_with_the_reason(world, reviewing,
                                                                            django_capture_on_commit_callbacks):
    second = ExpertFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = review.assign_expert(actor=world.officer, project=reviewing, expert=world.expert)
        review.assign_expert(actor=world.officer, project=reviewing, expert=second)
        review.remove_assignment(actor=world.officer, assignment_id=first.pk, reason="专家临时出差")
    review_notifications.expert_removed(reviewing.events.get(action="unassign_expert").pk)
    [removed] = notes(K.EXPERT_REPLACED, world.expert.user)
    assert "专家临时出差" in removed.text

    theirs = Assignment.objects.get(project=reviewing, expert=second)
    review.declare(actor=second.user, assignment_id=theirs.pk, has_conflict=False)
    review.submit_review(actor=second.user, assignment_id=theirs.pk,
                         scores={"need": "17", "design": "21.5", "team": "12", "budget": "16", "impact": "17"})
    with django_capture_on_commit_callbacks(execute=True):
        review.reopen_review(actor=world.officer, assignment_id=theirs.pk, reason="预算评分与意见不一致")
    review_notifications.review_reopened(reviewing.events.get(action="review_reopened").pk)
    [reopened] = notes(K.REVIEW_REOPENED, second.user)
    assert "预算评分与意见不一致" in reopened.text


def test_an_automatic_run_tells_each_expert_once(world, django_capture_on_commit_callbacks):
    world.round.experts_per_project = 2
    world.round.require_finance_expert = False
    world.round.save()
    for i in range(2):
        org, member = world.new_org()
        world.advance(world.draft(org, member, title=f"社区项目{i}"), State.UNDER_REVIEW)
    ExpertFactory()
    with django_capture_on_commit_callbacks(execute=True):
        run = review.start_auto_assignment(actor=world.officer, round_id=world.round.pk, seed=7)
    run.refresh_from_db()
    review_notifications.run_assigned(run.pk)
    assigned = Assignment.objects.filter(run=run)
    experts = {a.expert.user_id for a in assigned}
    assert assigned.count() == 4 and len(experts) == 2
    assert notes(K.EXPERT_ASSIGNED).count() == 2  # one per expert, not one per proposal
    assert all("2 个项目" in n.text for n in notes(K.EXPERT_ASSIGNED))


def test_deadline_and_overdue_reminders_go_once_each(world, reviewing):
    world.round.review_end = today() + timedelta(days=3)
    world.round.save()
    assignment = review.assign_expert(actor=world.officer, project=reviewing, expert=world.expert)
    too_early = world.round.review_end - timedelta(days=4)
    assert reminders.send_review_reminders(today=too_early) == 0
    assert reminders.send_review_reminders() == 1
    assert reminders.send_review_reminders() == 0  # the daily task ran twice
    [soon] = notes(K.REVIEW_DUE_SOON, world.expert.user)
    assert "还有3天" in soon.text and soon.url.endswith(f"/review/mine/{assignment.pk}/")

    late = world.round.review_end + timedelta(days=2)
    assert reminders.send_review_reminders(today=late) == 1
    assert reminders.send_review_reminders(today=late + timedelta(days=1)) == 0
    [overdue] = notes(K.REVIEW_OVERDUE, world.expert.user)
    assert "已逾期2天" in overdue.text


def test_a_submitted_review_gets_no_reminder(world, reviewing):
    world.round.review_end = today() + timedelta(days=1)
    world.round.save()
    assignment = review.assign_expert(actor=world.officer, project=reviewing, expert=world.expert)
    review.declare(actor=world.expert.user, assignment_id=assignment.pk, has_conflict=False)
    review.save_draft(actor=world.expert.user, assignment_id=assignment.pk, scores={"need": "10"})
    assert reminders.send_review_reminders() == 1  # a draft is still owed
    other = World()
    other_project = other.advance(other.draft(), State.REVIEWED)  # its one expert submitted
    assert Assignment.objects.filter(project=other_project).get().state == "submitted"
    assert not notes(K.REVIEW_DUE_SOON).filter(recipient=other.expert.user).exists()


def test_finance_hears_of_a_payable_tranche_once(db, django_capture_on_commit_callbacks):
    world = World()
    with django_capture_on_commit_callbacks(execute=True):
        project = signed(world, "65000.00")
    entry = LedgerEntry.objects.get(project=project, kind=LedgerKind.RELEASED)
    finance_notifications.tranche_payable(entry.pk)
    [note] = notes(K.TRANCHE_PAYABLE, world.finance)
    assert project.code in note.text and "可以拨付" in note.text and "26,000.00" in note.text


def test_the_next_signer_hears_of_a_batch_once_and_only_within_their_limit(db, django_capture_on_commit_callbacks):
    world = World()
    preparer, checker = UserFactory(role=Role.FINANCE), UserFactory(role=Role.FINANCE)
    small = UserFactory(role=Role.FINANCE, approval_limit="1000.00")
    signed(world, "65000.00")
    batch = finance.create_batch(actor=preparer, round_id=world.round.pk)
    with django_capture_on_commit_callbacks(execute=True):
        finance.submit_batch(actor=preparer, batch_id=batch.pk)
    waiting = notes(K.BATCH_STEP)
    assert set(waiting.values_list("recipient", flat=True)) == {checker.pk, small.pk, world.finance.pk}
    with django_capture_on_commit_callbacks(execute=True):
        finance.check_batch(actor=checker, batch_id=batch.pk)
    step = batch.events.get(action="mark_checked")
    finance_notifications.batch_step(step.pk)
    approvers = notes(K.BATCH_STEP).filter(key=f"batch-event:{step.pk}")
    assert list(approvers.values_list("recipient", flat=True)) == [world.finance.pk]  # 1,000.00 cannot approve 26,000.00


def test_a_failed_transfer_is_told_once_to_each_side(db, django_capture_on_commit_callbacks):
    world = World()
    officers = [UserFactory(role=Role.FINANCE) for _ in range(3)]
    project = signed(world, "65000.00")
    approved_batch(world, officers)
    tranche = project.tranches.get(seq=1)
    with django_capture_on_commit_callbacks(execute=True):
        failure = finance.record_payment_failure(actor=officers[0], tranche_id=tranche.pk, reason="账户已冻结")
    finance_notifications.transfer_failed(failure.pk)
    assert notes(K.TRANSFER_FAILED, world.member_for(project)).count() == 1
    assert notes(K.TRANSFER_FAILED, world.finance).count() == 1


def test_a_digest_reader_gets_one_email_a_day(world, django_capture_on_commit_callbacks):
    from accounts.models import DigestSent
    from accounts.services import send_daily_digests, set_notification_preferences

    world.officer.email = "officer@example.org"
    world.officer.save()
    set_notification_preferences(actor=world.officer, email_digest=True)
    world.officer.refresh_from_db()
    for title in ("甲项目", "乙项目"):
        org, member = world.new_org()
        with django_capture_on_commit_callbacks(execute=True):
            services.submit_project(actor=member, project_id=world.draft(org, member, title=title).pk)
    assert notes(K.SUBMISSION, world.officer).count() == 2
    assert emails_to("officer@example.org") == 0  # waiting for the digest
    with django_capture_on_commit_callbacks(execute=True):
        assert send_daily_digests() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert send_daily_digests() == 0  # run twice the same day
    [digest] = [m for m in mail.outbox if "officer@example.org" in m.to]
    assert "2 条" in digest.subject and "甲项目" in digest.body and "乙项目" in digest.body
    assert DigestSent.objects.get(user=world.officer).count == 2
    assert not Notification.objects.filter(recipient=world.officer, emailed_at__isnull=True).exists()

    org, member = world.new_org()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_project(actor=member, project_id=world.draft(org, member, title="丙项目").pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_daily_digests() == 0  # today's digest went out already
        assert send_daily_digests(day=today() + timedelta(days=1)) == 1
    assert "丙项目" in mail.outbox[-1].body


def test_the_preference_page_switches_to_the_digest(world, client_for):
    client = client_for(world.expert.user)
    page = client.get("/notifications/settings/")
    assert "每天发送一封摘要邮件" in page.content.decode() and "每条通知发送一封邮件" in page.content.decode()
    response = client.post("/notifications/settings/", {"email_digest": "digest"})
    assert response.status_code == 302
    world.expert.user.refresh_from_db()
    assert world.expert.user.email_digest is True
    assert client.post("/notifications/settings/", {"email_digest": "weekly"}).status_code == 200
    world.expert.user.refresh_from_db()
    assert world.expert.user.email_digest is True


def test_evaluators_hear_that_an_evaluation_began_once(world, django_capture_on_commit_callbacks):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    with django_capture_on_commit_callbacks(execute=True):
        services.begin_midterm(actor=world.officer, project_id=project.pk)
    notify_transition(project.events.get(action="begin_midterm").pk)
    [note] = notes(K.EVALUATION_DUE, world.evaluator)
    assert "中期评估已开始" in note.text and note.url.endswith(f"/monitoring/projects/{project.pk}/")


def test_switching_back_to_each_email_still_delivers_what_waited(world, django_capture_on_commit_callbacks):
    from accounts.services import send_daily_digests, set_notification_preferences

    world.officer.email = "officer@example.org"
    world.officer.save()
    set_notification_preferences(actor=world.officer, email_digest=True)
    world.officer.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.submit_project(actor=world.member, project_id=world.draft(title="等待摘要").pk)
    set_notification_preferences(actor=world.officer, email_digest=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_daily_digests() == 1
    assert emails_to("officer@example.org") == 1 and "等待摘要" in mail.outbox[-1].body
