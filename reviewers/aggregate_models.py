"""Stored review aggregates (issue 18): one row per project with everything the ranking orders and
shows, and one row per expert and round with the sums their z-scores need. Written only by
reviewers.aggregates (refresh in the same transaction as every change of a score, a defense score,
the shortlist or the panel policy; `manage.py rebuild_review_aggregates` rebuilds and verifies)."""
from django.db import models


class ReviewAggregate(models.Model):
    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, primary_key=True,
                                   related_name="review_aggregate")
    round = models.ForeignKey("grants.GrantRound", on_delete=models.CASCADE, related_name="+")
    n = models.PositiveIntegerField(default=0)  # submitted reviews
    total_sum = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    total_min = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    total_max = models.DecimalField(max_digits=6, decimal_places=2, null=True)
    weighted_sum = models.DecimalField(max_digits=16, decimal_places=4, default=0)  # Σ total × expert weight
    weight_sum = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    criteria = models.JSONField(default=dict)  # code → {"sum": "…", "n": k, "agg": "…"} (agg: the round's method)
    written = models.DecimalField(max_digits=8, decimal_places=2, null=True)  # aggregation.aggregate
    final = models.DecimalField(max_digits=8, decimal_places=2, null=True)  # after blend and bonuses
    tier = models.PositiveSmallIntegerField(default=0)
    preferred = models.PositiveSmallIntegerField(default=0)
    spread = models.DecimalField(max_digits=6, decimal_places=2, default=0)
    disputed = models.BooleanField(default=False)
    requested = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    # Copies of the project's state and approved amount (set by every transition, reviewers.receivers), so
    # the ranking filters and sums the money before a page without joining the projects.
    state = models.CharField(max_length=20, default="")
    approved = models.DecimalField(max_digits=14, decimal_places=2, null=True)
    submitted_at = models.DateTimeField(null=True)
    # The whole tie rule of reviewers.aggregation._key as one fixed-width string of digits: ordering by
    # (round, rank_key) is the ranking, and "the rows before this one" is rank_key < its key.
    rank_key = models.CharField(max_length=255)

    class Meta:
        indexes = [
            # state rides along so counts of "the rows before this one" by state are index-only scans
            models.Index(fields=["round", "rank_key"], name="review_agg_rank", include=["state"]),
            # the projects awaiting a decision, in rank order (fill-down, the defense shortlist): at 100k a
            # round has 40,000 decided rows ranked above them, which the plain index walked through
            models.Index(fields=["round", "rank_key"], name="review_agg_decidable",
                         condition=models.Q(state__in=["reviewed", "waitlisted"], final__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.project_id}: {self.final}"


class ExpertRoundStats(models.Model):
    """One expert's submitted totals in one round, in hundredths (exact integers)."""

    expert = models.ForeignKey("reviewers.Expert", on_delete=models.CASCADE, related_name="+")
    round = models.ForeignKey("grants.GrantRound", on_delete=models.CASCADE, related_name="+")
    n = models.PositiveIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    squares = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["expert", "round"], name="one_stats_per_expert_round")]

    def __str__(self) -> str:
        return f"{self.expert_id}@{self.round_id}: {self.n}"


class SeatCounts(models.Model):
    """One expert's seats in one round, counted (issue 18): what the progress board's round totals and
    the round settings page's score sheets add up, so neither reads the round's 500,000 seats. Written
    only by reviewers.seat_counts, in the same transaction as every write of a seat (`manage.py
    rebuild_review_aggregates [--verify]` rebuilds and checks them with the review aggregates)."""

    expert = models.ForeignKey("reviewers.Expert", on_delete=models.CASCADE, related_name="+")
    # no index of its own: the unique (round, expert) constraint leads with it
    round = models.ForeignKey("grants.GrantRound", on_delete=models.CASCADE, related_name="seat_counts",
                              db_index=False)
    seats = models.IntegerField(default=0)  # not recused
    submitted = models.IntegerField(default=0)
    drafted = models.IntegerField(default=0)  # accepted, with a saved draft
    scored = models.IntegerField(default=0)  # with a total, whatever the state: the round's score sheets

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "expert"], name="one_seat_count_per_round_expert")]

    def __str__(self) -> str:
        return f"{self.expert_id}@{self.round_id}: {self.seats}"
