"""Previews of Excel imports wait in the database instead of the cache."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ImportPreview',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=150, verbose_name='import')),
                ('token', models.CharField(max_length=64, unique=True, verbose_name='token')),
                ('cells', models.JSONField(verbose_name='cells')),
                ('rows', models.PositiveIntegerField(verbose_name='rows')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('user', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='import_previews', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'import preview',
                'verbose_name_plural': 'import previews',
                'default_permissions': (),
                'indexes': [models.Index(fields=['user', 'kind'], name='importpreview_user_kind_idx'), models.Index(fields=['created_at'], name='importpreview_created_idx')],
            },
        ),
    ]
