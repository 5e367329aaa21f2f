"""The user's notices (``/notices/``) and what they want to be told
(``/notices/preferences/``): their own only, read and written through
``reports.notices``; another user's notice is not found."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from reports.filters import NoticeFilter
from reports.models import Notice
from reports.notices.selectors import notice_preferences, notices_of, unread_count
from reports.notices.services import notice_mark_read, notice_preferences_set, notices_mark_all_read
from reports.notices.texts import notice_text

PAGE_SIZE = 20


@require_GET
def notice_list(request: HttpRequest) -> HttpResponse:
    filtered = NoticeFilter(request.GET, queryset=notices_of(request.user))
    page = Paginator(filtered.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    for notice in page:
        notice.text = notice_text(notice)
    return render(
        request,
        "pages/notices.html",
        {"page": page, "unread": unread_count(request.user), "only_unread": request.GET.get("read") == "false"},
    )


@require_POST
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notice = notice_mark_read(user=request.user, notice_id=pk)
    except Notice.DoesNotExist:
        raise Http404("No such notice.") from None
    if notice.url and request.POST.get("open"):
        return redirect(notice.url)
    return redirect("pages:notices")


@require_POST
def notice_read_all(request: HttpRequest) -> HttpResponse:
    notices_mark_all_read(user=request.user)
    return redirect("pages:notices")


@require_http_methods(["GET", "POST"])
def notice_preferences_page(request: HttpRequest) -> HttpResponse:
    preferences = notice_preferences(request.user)
    if request.method == "POST":
        changes = {
            preference.kind: {
                "in_app": f"{preference.kind}-in_app" in request.POST,
                "email": f"{preference.kind}-email" in request.POST,
            }
            for preference in preferences
        }
        notice_preferences_set(user=request.user, changes=changes)
        return redirect(reverse("pages:notice-preferences") + "?saved=1")
    return render(
        request,
        "pages/notice_preferences.html",
        {"preferences": preferences, "saved": request.GET.get("saved") == "1"},
    )
