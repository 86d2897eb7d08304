from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("checker", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="check",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
    ]
