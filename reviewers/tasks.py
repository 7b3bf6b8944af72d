"""Background work of the review app: takes ids, re-fetches, calls a service; safe to run twice."""
from celery import shared_task


@shared_task(acks_late=True)
def auto_assign_task(run_id: int) -> None:
    from reviewers import services

    try:
        services.run_auto_assignment(run_id=run_id)
    except Exception as exc:  # the run must not stay "waiting" forever; the officer sees the error
        services.mark_run_failed(run_id=run_id, error=str(exc))
        raise
