# A booking holds two doses: the second's date and arrival window join the booking's row.
# Both nullable, so adding them rewrites no row (PostgreSQL records the NULL default in the
# catalogue) and every existing row stays as it was: a booking of one dose.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("warehouse", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="second_date",
            field=models.DateField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="booking",
            name="second_arrival_window",
            field=models.CharField(blank=True, max_length=11, null=True),
        ),
    ]
