from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/trivial", views.trivial),
    path("bench/book-bare", views.book_bare),
    path("bench/book-2021", views.book_2021),
    path("bench/book-2021-retrying", views.book_2021_retrying),
    path("bench/book-select-for-update", views.book_select_for_update),
    path("", include("vaksin.urls")),
]
