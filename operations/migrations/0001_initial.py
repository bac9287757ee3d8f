from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="Dashboard",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
            ],
            options={
                "verbose_name": "noon dashboard",
                "verbose_name_plural": "noon dashboard",
                "permissions": [
                    ("view_dashboard", "Can see the noon dashboard"),
                    ("flip_switches", "Can open or close registration and pause confirmations"),
                ],
                "managed": False,
                "default_permissions": (),
            },
        ),
    ]
