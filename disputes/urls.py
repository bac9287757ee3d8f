from django.urls import path

from disputes import views

urlpatterns = [
    # Under /register/: the wizard's cookies, which hold the verified phone, are sent there.
    path("register/not-mine/", views.not_mine, name="dispute_not_mine"),
]
