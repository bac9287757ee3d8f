# The audit trail moves from the registration app, keeping its table and rows: state only here,
# while registration's 0003 forgets the model without dropping the table.

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('registration', '0002_export_watermark_audit'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='AuditEntry',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('at', models.DateTimeField(auto_now_add=True, db_index=True)),
                        ('actor', models.CharField(help_text='Username of the member of staff', max_length=150)),
                        ('action', models.CharField(max_length=32)),
                        ('target', models.CharField(db_index=True, max_length=100)),
                        ('before', models.TextField(blank=True)),
                        ('after', models.TextField(blank=True)),
                        ('address', models.GenericIPAddressField(blank=True, null=True)),
                    ],
                    options={
                        'db_table': 'registration_auditentry',
                        'verbose_name_plural': 'audit entries',
                        'ordering': ['-at'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
