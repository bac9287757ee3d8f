# The exported bookings, the export's watermark and the bookings it set aside belong to the
# warehouse app now. Their tables stay as they are: only Django's idea of who owns them moves.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("registration", "0004_warehouse_fits_every_accepted_value"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Booking"),
                migrations.DeleteModel(name="ExportWatermark"),
                migrations.DeleteModel(name="SetAsideBooking"),
            ],
            database_operations=[],
        ),
    ]
