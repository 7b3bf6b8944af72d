"""Receipts back one spending row each (and through it, its report)."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("projects", "0003_project_submitted_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="expenditure",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.RESTRICT, related_name="receipts",
                to="projects.expenditure", verbose_name="spending row",
            ),
        ),
        migrations.AddConstraint(
            model_name="attachment",
            constraint=models.CheckConstraint(
                condition=models.Q(("expenditure__isnull", True), ("kind", "receipt"), _connector="OR"),
                name="attachment_only_receipts_back_spending",
            ),
        ),
    ]
