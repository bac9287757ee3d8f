# The models the registration app had (registration 0005 lets them go): their tables exist
# already, so this only tells Django they are the warehouse's, and moves their content types
# (and so their permissions, such as change_booking) with them.

from django.db import migrations, models


def content_types_move(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(
        app_label="registration", model__in=["booking", "exportwatermark", "setasidebooking"]
    ).update(app_label="warehouse")


def content_types_back(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(
        app_label="warehouse", model__in=["booking", "exportwatermark", "setasidebooking"]
    ).update(app_label="registration")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("registration", "0005_models_move_to_warehouse"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
        migrations.CreateModel(
            name='ExportWatermark',
            fields=[
                ('name', models.CharField(max_length=32, primary_key=True, serialize=False)),
                ('last_number', models.BigIntegerField(default=0)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'db_table': 'registration_exportwatermark',
            },
        ),
        migrations.CreateModel(
            name='SetAsideBooking',
            fields=[
                ('number', models.BigIntegerField(help_text='Position in the booking log', primary_key=True, serialize=False)),
                ('reference', models.CharField(max_length=11)),
                ('entry', models.JSONField(help_text='The booking-log entry, as Redis held it')),
                ('error', models.TextField(help_text='Why PostgreSQL refused it')),
                ('set_aside_at', models.DateTimeField()),
                ('cancelled_at', models.DateTimeField(blank=True, null=True)),
                ('tries', models.PositiveIntegerField(default=1)),
                ('tried_at', models.DateTimeField()),
            ],
            options={
                'verbose_name': 'booking set aside by the export',
                'verbose_name_plural': 'bookings set aside by the export',
                'db_table': 'registration_setasidebooking',
                'ordering': ['number'],
            },
        ),
        migrations.CreateModel(
            name='Booking',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.BigIntegerField(help_text='Position in the Redis booking log', unique=True)),
                ('reference', models.CharField(max_length=11, unique=True)),
                ('id_type', models.CharField(max_length=8)),
                ('id_number', models.CharField(db_index=True, max_length=20)),
                ('name', models.CharField(max_length=100)),
                ('phone', models.CharField(max_length=16)),
                ('email', models.CharField(blank=True, max_length=254)),
                ('location_id', models.CharField(max_length=32)),
                ('date', models.DateField()),
                ('arrival_window', models.CharField(max_length=11)),
                ('lang', models.CharField(default='en', max_length=7)),
                ('booked_at', models.DateTimeField()),
                ('exported_at', models.DateTimeField()),
                ('cancelled_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'db_table': 'registration_booking',
                'indexes': [models.Index(fields=['location_id', 'date'], name='registratio_locatio_53c4cf_idx')],
            },
        ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_move, content_types_back),
    ]
