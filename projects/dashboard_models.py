"""Stored figures of the officer's dashboard (issue 18): the evaluation-score and indicator charts as
a few rows per round instead of aggregates over the round's evaluations and indicators. Written only
by projects.dashboard_cells, in the same transaction as every write they follow (`manage.py
rebuild_dashboard_cells [--verify]` rebuilds and checks them). Amounts in hundredths: exact integers
on every database (SQLite keeps decimals as floats)."""
from django.db import models


class EvaluationCell(models.Model):
    """How many of the round's evaluations of one kind have one total."""

    # grants.usage counts the round's evaluations of each kind through `evaluation_cells` (no import)
    round = models.ForeignKey("grants.GrantRound", on_delete=models.CASCADE, related_name="evaluation_cells",
                              db_index=False)
    kind = models.CharField(max_length=10)
    total = models.BigIntegerField()  # hundredths
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "kind", "total"], name="one_evaluation_cell")]

    def __str__(self) -> str:
        return f"{self.round_id} {self.kind} {self.total}: {self.n}"


class IndicatorCell(models.Model):
    """One indicator (name and unit) over the round's implemented projects (contracted to completed):
    the sums of their targets and achievements and how many projects have it."""

    round = models.ForeignKey("grants.GrantRound", on_delete=models.CASCADE, related_name="+", db_index=False)
    name = models.CharField(max_length=100)
    unit = models.CharField(max_length=20)
    target = models.BigIntegerField(default=0)  # hundredths
    achieved = models.BigIntegerField(default=0)  # hundredths; an indicator not yet reported counts 0
    projects = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "name", "unit"], name="one_indicator_cell")]

    def __str__(self) -> str:
        return f"{self.round_id} {self.name}（{self.unit}）: {self.projects}"
