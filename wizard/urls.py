from django.urls import path

from wizard import views

urlpatterns = [
    path("", views.home, name="home"),
    path("register/", views.start, name="register"),
    path("register/phone/", views.phone_step, name="register_phone"),
    path("register/code/", views.code_step, name="register_code"),
    path("register/ready/", views.ready, name="register_ready"),
    path("register/id/", views.id_step, name="register_id"),
    path("register/details/", views.details_step, name="register_details"),
    path("register/state/", views.state_step, name="register_state"),
    path("register/centre/", views.centre_step, name="register_centre"),
    path("register/date/", views.date_step, name="register_date"),
    path("register/check/", views.check_step, name="register_check"),
    path("register/confirmation/", views.confirmation, name="register_confirmation"),
    path(
        "register/confirmation/calendar.ics", views.confirmation_calendar, name="register_calendar"
    ),
    path("register/start-again/", views.start_again, name="register_start_again"),
    path(
        "register/already-registered/",
        views.already_registered,
        name="register_already_registered",
    ),
]
