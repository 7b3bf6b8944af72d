"""Effects of the project lifecycle: what a transition writes on the project besides its state,
named by the table in projects.lifecycle. Each takes (project, step) and runs inside the
transition's transaction, before the save; details for the audit row go into `step.data`.
Money is not here: finance reacts to projects.signals.project_transitioned."""
from decimal import Decimal

from core import calendar
from core.fsm import Step
from grants import workdays
from projects.guards import latest_evaluation
from projects.models import Project
from projects.receipts import issue_receipt
from projects.services.drafting import snapshot
from projects.services.files import store
from projects.states import EvaluationKind


def submit(project: Project, step: Step) -> None:
    if project.submitted_at is not None:
        project.version += 1
    project.submitted_at = step.now
    receipt = issue_receipt(project)
    step.data.update(version=project.version, snapshot=snapshot(project), receipt=receipt.number)


def approve(project: Project, step: Step) -> None:
    project.approved_amount = step["amount"]
    project.decided_at = step.now
    step.data.update(approved_amount=str(step["amount"]), requested_amount=str(project.requested_amount))


def decide(project: Project, step: Step) -> None:
    project.decided_at = step.now


def clear_decision(project: Project, step: Step) -> None:
    project.approved_amount = None
    project.decided_at = None
    project.publicity_start = project.publicity_end = None


def publish(project: Project, step: Step) -> None:
    today = calendar.today(step.now)
    project.publicity_start = today
    project.publicity_end = workdays.publicity_end(today, project.round.publicity_days)


def sign(project: Project, step: Step) -> None:
    """A scanned, signed and stamped copy (checked before the row was locked) is stored here, inside
    the signing's transaction; sign_agreement deletes its bytes again if the transaction fails."""
    signer_name = step["signer_name"].strip()
    scan = step.get("scan")
    if scan is not None:
        attachment = store(scan, stored=step["stored"], project=project, kind="signed_agreement", actor=step.actor)
        signer_name = f"{signer_name}（上传签字盖章扫描件：{attachment.original_name}）"
        step.data["scan"] = attachment.pk
    project.signed_at = step.now
    project.signed_by_name = signer_name
    project.signed_ip = step.get("ip")
    step.data.update(signer_name=signer_name, ip=step.get("ip"))


def pass_midterm(project: Project, step: Step) -> None:
    project.midterm_passed = True


def grade(project: Project, step: Step) -> None:
    evaluation = latest_evaluation(project, EvaluationKind.FINAL)
    project.grade = evaluation.grade if evaluation else "不合格"


def note_clawback(project: Project, step: Step) -> None:
    step.data["clawback"] = str(step.get("amount") or Decimal("0.00"))
