"""Answers any public page may give."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse


def see_other(name: str, *, query: str = "") -> HttpResponseRedirect:
    """A redirect to the named page with 303: after a POST the browser fetches it with GET, so a
    refresh re-posts nothing."""
    response = HttpResponseRedirect(reverse(name) + query)
    response.status_code = 303
    return response


def busy(request: HttpRequest) -> HttpResponse:
    """Redis could not answer: a calm page that asks to try again, not an error."""
    response = render(request, "busy.html", status=503)
    response["Retry-After"] = "5"
    return response
