"""Tells people about panel steps, after commit (a failure is logged, never undoes the step): the
other experts of a discussion about a new message, and an applicant about its oral defense slot."""
import logging

from django.urls import reverse
from django.utils import timezone

from accounts.services import notify
from core.mail import header_safe
from reviewers.models import Assignment, AssignmentState
from reviewers.panel_models import DefenseSlot, DiscussionPost

log = logging.getLogger(__name__)


def discussion_posted(post_id: int) -> int:
    try:
        post = DiscussionPost.objects.select_related("project", "author").filter(pk=post_id).first()
        if post is None:
            return 0
        sent = 0
        for a in (Assignment.objects.filter(project=post.project, state=AssignmentState.SUBMITTED)
                  .exclude(expert__user=post.author).exclude(expert__user__isnull=True).select_related("expert__user")):
            if a.expert.user is None:
                continue
            sent += len(notify(actor=post.author, recipients=[a.expert.user], project=None,
                               text=f"项目 {post.project.code} 的评审讨论有新发言",
                               url=reverse("reviewers:discussion", args=[a.pk]), key=f"discussion:{post.pk}"))
        return sent
    except Exception:
        log.exception("notifying about discussion post %s failed", post_id)
        return 0


def defense_scheduled(slot_id: int) -> int:
    try:
        slot = DefenseSlot.objects.select_related("project__organization", "created_by").filter(pk=slot_id).first()
        if slot is None or slot.starts_at is None:
            return 0
        project, local = slot.project, timezone.localtime(slot.starts_at)
        where = f"，地点：{slot.place}" if slot.place else ""
        text = f"《{project.title}》入围现场答辩，时间：{local:%Y年%m月%d日 %H:%M}（{slot.minutes} 分钟）{where}"
        return len(notify(actor=None, recipients=project.organization.members.all(), project=project, text=text,
                          url=reverse("applicant:project", args=[project.pk]),
                          email_subject=header_safe(f"益创：《{project.title}》现场答辩安排"),
                          key=f"defense:{slot.pk}:{slot.starts_at.isoformat()}:{slot.place}"))
    except Exception:
        log.exception("notifying about defense slot %s failed", slot_id)
        return 0
