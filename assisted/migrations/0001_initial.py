from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="Helpline",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
            ],
            options={
                "verbose_name": "helpline booking",
                "verbose_name_plural": "helpline bookings",
                "permissions": [
                    ("book_for_person", "Can book an appointment for a person (helpline)")
                ],
                "managed": False,
                "default_permissions": (),
            },
        ),
    ]
