"""/appointment/: a person looks up their booking with their ID number and reference."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from registration import forms
from registration.selectors import LookupRefused, appointment_lookup
from registration.views.responses import busy
from vaksin import store
from vaksin.addresses import client_address


@never_cache
@require_http_methods(["GET", "POST"])
def appointment(request: HttpRequest) -> HttpResponse:
    """The look-up: its answer goes only to a POST, so an ID number never sits in a URL."""
    form = forms.LookupForm(forms.posted(request))
    context = form.page_context()
    if form.is_valid():
        try:
            found = appointment_lookup(
                id_number=form.cleaned_data["id_number"],
                reference=form.cleaned_data["reference"],
                client_address=client_address(request),
            )
        except LookupRefused as refused:
            context["errors"] = forms.error_summary({"id_number": forms.message("rate_limited")})
            response = render(request, "registration/appointment.html", context, status=429)
            response["Retry-After"] = str(refused.retry_after)
            return response
        except store.StoreError:
            return busy(request)
        if found:
            return render(request, "registration/appointment_found.html", {"booking": found})
        context["errors"] = forms.error_summary({"id_number": forms.message("not_found")})
    return render(request, "registration/appointment.html", context)
