import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PasswordState',
            fields=[
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='password_state', serialize=False, to=settings.AUTH_USER_MODEL, verbose_name='user')),
                ('must_change', models.BooleanField(default=True, verbose_name='must change password')),
                ('marked_at', models.DateTimeField(verbose_name='marked initial at')),
                ('changed_at', models.DateTimeField(blank=True, null=True, verbose_name='changed by the user at')),
            ],
            options={
                'verbose_name': 'password state',
                'verbose_name_plural': 'password states',
            },
        ),
    ]
