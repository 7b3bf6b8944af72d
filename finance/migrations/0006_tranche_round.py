import django.db.models.deletion
from django.db import migrations, models


def copy_rounds(apps, schema_editor):
    """Every tranche gets its project's round (one set-based UPDATE; a project never changes round)."""
    Tranche = apps.get_model("finance", "Tranche")
    Project = apps.get_model("projects", "Project")
    Tranche.objects.update(round_id=models.Subquery(
        Project.objects.filter(pk=models.OuterRef("project_id")).values("round_id")[:1]))


class Migration(migrations.Migration):

    dependencies = [
        ('finance', '0005_money_cells'),
        ('grants', '0007_organization_record_changes_and_verification'),
        ('projects', '0012_dashboard_counts_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='tranche',
            name='round',
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='+', to='grants.grantround'),
        ),
        migrations.RunPython(copy_rounds, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='tranche',
            name='round',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='+', to='grants.grantround'),
        ),
        migrations.AddIndex(
            model_name='tranche',
            index=models.Index(fields=['round', 'state'], include=('amount',), name='tranche_round_state'),
        ),
    ]
