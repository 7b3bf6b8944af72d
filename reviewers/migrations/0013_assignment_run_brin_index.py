"""The index on a seat's run: BRIN on PostgreSQL, a plain index elsewhere (reviewers.models.Assignment.run).

Django's model state has no index for the column (db_index=False); the index is created here by hand
because a model's Meta cannot name an index type per database."""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "reviewers_assignment_run_idx"


def create_index(apps, schema_editor):
    using = " USING brin" if schema_editor.connection.vendor == "postgresql" else ""
    schema_editor.execute(f"CREATE INDEX {INDEX} ON reviewers_assignment{using} (run_id)")


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):

    dependencies = [
        ("reviewers", "0012_assignment_database_defaults"),
    ]

    operations = [
        migrations.AlterField(
            model_name="assignment",
            name="run",
            field=models.ForeignKey(blank=True, db_constraint=False, db_index=False, null=True,
                                    on_delete=django.db.models.deletion.SET_NULL, related_name="+",
                                    to="reviewers.assignmentrun"),
        ),
        migrations.RunPython(create_index, drop_index),
    ]
