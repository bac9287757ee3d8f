from django.urls import include, path

from bench import views

urlpatterns = [
    path("bench/trivial", views.trivial),
    path("bench/book-bare", views.book_bare),
    path("bench/book-bare-phone-checked", views.book_bare_phone_checked),
    path("bench/book-2021", views.book_2021),
    path("bench/book-2021-retrying", views.book_2021_retrying),
    path("bench/book-select-for-update", views.book_select_for_update),
    path("bench/listing-uncached", views.listing_uncached),
    path("bench/listing-cache-page", views.listing_cache_page),
    path("", include("vaksin.urls")),
]
