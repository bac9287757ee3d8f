from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('registration', '0002_export_watermark_audit'),
        ('audit', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='AuditEntry')],
            database_operations=[],
        ),
    ]
