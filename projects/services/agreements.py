"""Starting the background job that prints every agreement of a round (projects.jobs does the work)."""
from accounts.models import Role
from documents.models import Job
from documents.services import start_job
from grants.models import GrantRound
from projects.errors import ProjectError
from projects.selectors_agreements import batch_project_ids

AGREEMENT_BATCH = "round_agreements"


def start_agreement_batch(*, actor, round_id: int) -> Job:
    if not actor.has_role(Role.OFFICER):
        raise ProjectError("只有项目管理员可以批量生成资助协议书")
    round = GrantRound.objects.filter(pk=round_id).first()
    if round is None:
        raise ProjectError("创投批次不存在")
    # The list is fixed now: the zip holds what the officer asked for, whatever happens meanwhile.
    ids = batch_project_ids(round)
    if not ids:
        raise ProjectError(f"「{round.name}」没有可生成资助协议书的项目（须已核定资助金额、尚待签订，且预算符合核定金额）")
    return start_job(actor=actor, kind=AGREEMENT_BATCH, params={"round_id": round.pk, "project_ids": ids},
                     total=len(ids))
