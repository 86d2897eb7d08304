from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("checker", "0005_stats_covering_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="check",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
    ]
