"""URLs of the web pages, included at the site root (``emulation_config.urls``).

Deny by default: every page but the login page is wrapped in ``login_required``
here, so that a page added to this list cannot forget it; each view then checks
what the user may read (``reports.pages``). A page that updates itself has a
``…/live/`` twin answering the part of it that changes (``reports.pages.live``),
under the same checks.
"""

from django.contrib.auth.decorators import login_required
from django.urls import path, reverse_lazy
from django.views.generic import RedirectView

from reports.pages import agents, common, leaderboard, notice, notices, overview, tv

app_name = "pages"

LOGIN_URL = reverse_lazy("pages:login")


def _page(view):
    """A page for logged-in users, in Vietnamese unless they chose otherwise."""
    return common.vietnamese_unless_chosen(login_required(view, login_url=LOGIN_URL))


urlpatterns = [
    path("login/", common.vietnamese_unless_chosen(common.LoginView.as_view()), name="login"),
    path("logout/", common.LogoutView.as_view(), name="logout"),
    path("", _page(RedirectView.as_view(pattern_name="pages:campaigns")), name="home"),
    path("campaigns/", _page(overview.campaign_list), name="campaigns"),
    path("campaigns/<slug:code>/", _page(overview.campaign_overview), name="campaign"),
    path(
        "campaigns/<slug:code>/phases/<int:number>/leaderboard/",
        _page(leaderboard.leaderboard),
        name="leaderboard",
    ),
    path(
        "campaigns/<slug:code>/phases/<int:number>/leaderboard/live/",
        _page(leaderboard.leaderboard_live),
        name="leaderboard-live",
    ),
    path("campaigns/<slug:code>/phases/<int:number>/tv/", _page(tv.tv_board), name="tv"),
    path("campaigns/<slug:code>/phases/<int:number>/tv/live/", _page(tv.tv_live), name="tv-live"),
    path("campaigns/<slug:code>/phases/<int:number>/notice/", _page(notice.notice_page), name="notice"),
    path("campaigns/<slug:code>/phases/<int:number>/appeal/", _page(notice.appeal_form), name="appeal-new"),
    path("appeals/", _page(notice.appeals_page), name="appeals"),
    path("appeals/<int:pk>/attachment/", _page(notice.appeal_attachment), name="appeal-attachment"),
    path("agents/<str:code>/", _page(agents.agent_page), name="agent"),
    path("agents/<str:code>/live/", _page(agents.agent_live), name="agent-live"),
    path("notices/", _page(notices.notice_list), name="notices"),
    path("notices/read-all/", _page(notices.notice_read_all), name="notices-read-all"),
    path("notices/<int:pk>/read/", _page(notices.notice_read), name="notice-read"),
    path("notices/preferences/", _page(notices.notice_preferences_page), name="notice-preferences"),
]
