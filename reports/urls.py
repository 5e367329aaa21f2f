"""URLs of the web pages, included at the site root (``emulation_config.urls``).

Deny by default: every page but the login page is wrapped in ``login_required``
here, so that a page added to this list cannot forget it; each view then checks
what the user may read (``reports.pages``).
"""

from django.contrib.auth.decorators import login_required
from django.urls import path, reverse_lazy
from django.views.generic import RedirectView

from reports.pages import agents, common, leaderboard, overview

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
    path("agents/<str:code>/", _page(agents.agent_page), name="agent"),
]
