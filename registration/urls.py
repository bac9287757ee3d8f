from django.urls import path

from registration import api
from registration.views import appointment, waitlist, wizard

urlpatterns = [
    path("", wizard.home, name="home"),
    path("register/", wizard.start, name="register"),
    path("register/phone/", wizard.phone_step, name="register_phone"),
    path("register/code/", wizard.code_step, name="register_code"),
    path("register/ready/", wizard.ready, name="register_ready"),
    path("register/id/", wizard.id_step, name="register_id"),
    path("register/details/", wizard.details_step, name="register_details"),
    path("register/state/", wizard.state_step, name="register_state"),
    path("register/centre/", wizard.centre_step, name="register_centre"),
    path("register/date/", wizard.date_step, name="register_date"),
    path("register/check/", wizard.check_step, name="register_check"),
    path("register/confirmation/", wizard.confirmation, name="register_confirmation"),
    path("register/start-again/", wizard.start_again, name="register_start_again"),
    path(
        "register/already-registered/",
        wizard.already_registered,
        name="register_already_registered",
    ),
    path("register/waiting-list/", waitlist.waitlist_join_step, name="register_waiting_list"),
    path(
        "register/confirmation/calendar.ics",
        wizard.confirmation_calendar,
        name="register_calendar",
    ),
    # Short: the link is in an SMS, where every character counts.
    path("o/<str:code>", waitlist.waitlist_offer, name="waitlist_offer"),
    path("appointment/", appointment.appointment, name="appointment"),
    path("appointment/code/", appointment.appointment_code, name="appointment_code"),
    path("appointment/manage/", appointment.appointment_manage, name="appointment_manage"),
    path("appointment/cancel/", appointment.appointment_cancel_page, name="appointment_cancel"),
    path("appointment/change/", appointment.appointment_change, name="appointment_change"),
    path("appointment/resend/", appointment.appointment_resend_page, name="appointment_resend"),
    path("appointment/done/", appointment.appointment_done, name="appointment_done"),
    path(
        "appointment/calendar.ics",
        appointment.appointment_calendar,
        name="appointment_calendar",
    ),
    path("api/bookings", api.bookings_api, name="bookings_api"),
]
