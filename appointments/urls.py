from django.urls import path

from appointments import views

urlpatterns = [
    path("appointment/", views.appointment, name="appointment"),
    path("appointment/code/", views.appointment_code, name="appointment_code"),
    path("appointment/manage/", views.appointment_manage, name="appointment_manage"),
    path("appointment/cancel/", views.appointment_cancel_page, name="appointment_cancel"),
    path("appointment/change/", views.appointment_change, name="appointment_change"),
    path("appointment/second-dose/", views.appointment_second_dose, name="appointment_second_dose"),
    path("appointment/resend/", views.appointment_resend_page, name="appointment_resend"),
    path("appointment/done/", views.appointment_done, name="appointment_done"),
    path("appointment/calendar.ics", views.appointment_calendar, name="appointment_calendar"),
]
