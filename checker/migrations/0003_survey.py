"""Surveys (checker/survey/): the survey, its domains and chunks; a survey's result rows are
Checks that point at it, one per domain."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('checker', '0002_watches'),
    ]

    operations = [
        migrations.CreateModel(
            name='Survey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.SlugField(max_length=100, unique=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('source_file', models.CharField(blank=True, max_length=1024)),
                ('profile', models.CharField(blank=True, max_length=16)),
                ('full_reports', models.BooleanField(default=False)),
                ('chunk_size', models.PositiveIntegerField(default=500)),
                ('started_at', models.DateTimeField(blank=True, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name='SurveyChunk',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField()),
                ('size', models.PositiveIntegerField()),
                ('done', models.BooleanField(default=False)),
                ('owner', models.CharField(blank=True, max_length=100)),
                ('lease_until', models.DateTimeField(blank=True, null=True)),
                ('checked', models.PositiveIntegerField(default=0)),
                ('failed', models.PositiveIntegerField(default=0)),
                ('errors', models.PositiveIntegerField(default=0)),
                ('skipped', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='SurveyDomain',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('domain', models.CharField(max_length=253)),
                ('line', models.PositiveIntegerField()),
                ('chunk', models.PositiveIntegerField()),
                ('ds_in_zone', models.BooleanField(null=True)),
                ('opted_out', models.BooleanField(default=False)),
                ('done', models.BooleanField(default=False)),
            ],
        ),
        migrations.AddField(
            model_name='check',
            name='survey',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='checks', to='checker.survey'),
        ),
        migrations.AddConstraint(
            model_name='check',
            constraint=models.UniqueConstraint(condition=models.Q(('survey__isnull', False)), fields=('survey', 'domain'), name='check_survey_domain_once'),
        ),
        migrations.AddField(
            model_name='surveychunk',
            name='survey',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='chunks', to='checker.survey'),
        ),
        migrations.AddField(
            model_name='surveydomain',
            name='survey',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='domains', to='checker.survey'),
        ),
        migrations.AddConstraint(
            model_name='surveychunk',
            constraint=models.UniqueConstraint(fields=('survey', 'number'), name='survey_chunk_once'),
        ),
        migrations.AddIndex(
            model_name='surveydomain',
            index=models.Index(fields=['survey', 'chunk', 'done'], name='survey_domain_chunk'),
        ),
        migrations.AddConstraint(
            model_name='surveydomain',
            constraint=models.UniqueConstraint(fields=('survey', 'domain'), name='survey_domain_once'),
        ),
    ]
