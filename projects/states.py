"""The words of the project lifecycle: its states, and the kinds of evaluation. The machine itself
(transitions, who pulls them, named groups of states) is declared in projects.lifecycle."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from grants import state_labels


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned for revision")
    INELIGIBLE = "ineligible", _("Ineligible")
    UNDER_REVIEW = "under_review", _("Under expert review")
    REVIEWED = "reviewed", _("Review completed")
    APPROVED = "approved", _("Approved for funding")
    WAITLISTED = "waitlisted", _("Waitlisted")
    REJECTED = "rejected", _("Not funded")
    PUBLICITY = "publicity", _("In public notice")
    OBJECTION = "objection", _("Objection under review")
    CONTRACTED = "contracted", _("Agreement signed")
    IN_PROGRESS = "in_progress", _("In progress")
    MIDTERM_REVIEW = "midterm_review", _("Mid-term evaluation")
    FINAL_REVIEW = "final_review", _("Final evaluation")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class EvaluationKind(models.TextChoices):
    MIDTERM = "midterm", _("Mid-term evaluation")
    FINAL = "final", _("Final evaluation")


MEMBER = "member"  # a member of the applying organization, not a staff role


# The round designer offers project states by these labels (grants cannot import projects).
state_labels.register_state_labels(dict(State.choices))
