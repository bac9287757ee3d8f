"""warehouse 0002 adds the second dose's columns and keeps every row the warehouse held: a
booking of one dose, NULL for its second."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


@pytest.mark.django_db(transaction=True)
def test_the_second_dose_columns_arrive_and_every_row_stays() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([("warehouse", "0001_initial")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO registration_booking (number, reference, id_type, id_number, name, "
            "phone, email, location_id, date, arrival_window, lang, booked_at, exported_at) "
            "VALUES (1, 'W68-JK7-81R', 'mykad', '900101140001', 'Siti', '+60123456789', '', "
            "'WTCKL', '2021-06-01', '09:00-09:30', 'ms', now(), now())"
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes("warehouse"))

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reference, name, date, second_date, second_arrival_window "
            "FROM registration_booking"
        )
        rows = cursor.fetchall()
    assert [row[:2] for row in rows] == [("W68-JK7-81R", "Siti")]
    assert rows[0][3:] == (None, None)
