"""The Content-Security-Policy: every page, the admin and the API's docs are served with a
policy that allows only the site's own scripts, styles and images (no inline script, style
attribute or event handler), and they work under it: a real browser reports no violation.

The browser tests need a transactional database, emptied after each test (test_browser.py)."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.apps import apps

from campaigns.roles import sync_role_groups
from enrollments.models import EnrollmentImport
from tests.reports.conftest import PASSWORD, leaderboard_url, log_in
from tests.reports.test_live_api import submit_through_service, tv_url

POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# Records every violation the page reports, before any of its own scripts runs.
WATCH_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"} at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


# --- The header ----------------------------------------------------------------------------------


def directives(header: str) -> dict[str, str]:
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/api/docs/"])
def test_pages_the_admin_and_the_api_docs_carry_the_policy(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY


@pytest.mark.django_db
def test_a_page_for_logged_in_users_carries_the_policy(client, league):
    client.force_login(league["agents"]["E1"].user)
    response = client.get(leaderboard_url(league))
    assert response.status_code == 200
    assert directives(response["Content-Security-Policy"]) == POLICY


@pytest.mark.django_db
def test_the_overview_sizes_its_chart_without_a_style_attribute(client, league):
    client.force_login(league["manager"])
    text = client.get(f"/campaigns/{league['campaign'].code}/").content.decode()
    assert "data-chart-height=" in text
    assert "style=" not in text


# --- In a browser --------------------------------------------------------------------------------


@pytest.fixture
def violations(page):
    """What the page under test reports against the policy: its console's CSP messages and
    the violation events, which every page visited keeps in ``window.cspViolations``."""
    console: list[str] = []
    page.on(
        "console",
        lambda message: console.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.add_init_script(WATCH_VIOLATIONS)

    def seen() -> list[str]:
        return console + page.evaluate("window.cspViolations || []")

    return seen


@pytest.fixture
def superuser_login(transactional_db, django_user_model):
    """A superuser, for the pages and the admin; the staff groups made again, as the database was emptied."""
    sync_role_groups(apps)
    return django_user_model.objects.create_superuser("quantri", "quantri@example.vn", PASSWORD)


def visit(page, url: str):
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.status == 200, url
    assert directives(response.headers["content-security-policy"]) == POLICY, url
    return response


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_policy_is_enforced_and_its_violations_are_seen(page, live_server, violations, superuser_login, league):
    """The watch itself: an inline script and a style attribute put in a page are refused and reported."""
    log_in(page, live_server, "quantri")
    visit(page, f"{live_server.url}/campaigns/")
    assert violations() == []

    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inlineRan = true";
            document.body.appendChild(script);
            document.body.insertAdjacentHTML("beforeend", '<p id="styled" style="color: rgb(255, 0, 0)">x</p>');
        }"""
    )
    page.wait_for_function("window.cspViolations.length >= 2")

    assert page.evaluate("window.inlineRan") is None
    assert page.evaluate("getComputedStyle(document.getElementById('styled')).color") != "rgb(255, 0, 0)"
    refused = " ".join(violations())
    assert "script-src-elem" in refused
    assert "style-src-attr" in refused


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_pages_work_under_the_policy(page, live_server, violations, superuser_login, league):
    import_module("enrollments.migrations.0002_reference_parameters").forwards(apps, None)
    log_in(page, live_server, "quantri")
    code = league["campaign"].code

    visit(page, f"{live_server.url}/campaigns/")

    visit(page, f"{live_server.url}/campaigns/{code}/")
    drawn = page.evaluate(
        "['progress-chart', 'daily-chart', 'channel-chart'].map((id) => Chart.getChart(id)?.config.type ?? null)"
    )
    assert drawn == ["bar", "line", "doughnut"]
    box = page.locator(".chart-box[data-chart-height]")
    assert box.evaluate("(box) => box.style.height") == box.get_attribute("data-chart-height") + "px"

    # The leaderboard polls its live fragment, and puts in the parts that changed.
    visit(page, live_server.url + leaderboard_url(league, number=2) + "?refresh=1")
    codes = page.locator("[data-testid=leaderboard] tbody tr td:nth-child(2)")
    with page.expect_response(lambda response: "/live/" in response.url and response.status == 200):
        submit_through_service(league["agents"]["E2"], 3)
    page.wait_for_function(
        "document.querySelector('[data-testid=leaderboard] tbody td:nth-child(2)').innerText === 'E2'"
    )
    assert codes.all_inner_texts()[0] == "E2"

    visit(page, f"{live_server.url}/agents/E1/")
    visit(page, live_server.url + tv_url(league) + "?rotate=1&refresh=1")
    page.wait_for_function("document.querySelectorAll('[data-tv-dot]').length > 0")

    assert violations() == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admin_works_under_the_policy(page, live_server, violations, superuser_login, league):
    log_in(page, live_server, "quantri")
    campaign = league["campaign"]

    visit(page, f"{live_server.url}/admin/")
    visit(page, f"{live_server.url}/admin/campaigns/campaign/")
    visit(page, f"{live_server.url}/admin/campaigns/campaign/{campaign.pk}/change/")
    # The inlines' "add another" is the admin's own script at work.
    before = page.locator("#phases-group tbody tr.form-row:not(.empty-form)").count()
    page.locator("#phases-group .add-row a").click()
    assert page.locator("#phases-group tbody tr.form-row:not(.empty-form)").count() == before + 1
    visit(page, f"{live_server.url}/admin/enrollments/enrollment/")
    enrollment = league["campaign"].enrollments.order_by("pk").first()
    visit(page, f"{live_server.url}/admin/enrollments/enrollment/{enrollment.pk}/change/")
    # An import's page polls its status and moves its progress bar as the import goes on.
    from playwright.sync_api import expect  # only where Chromium runs

    job = EnrollmentImport.objects.create(
        campaign=campaign, filename="bien-lai.csv", content=b"", size=0, status="running", estimated_rows=100
    )
    visit(page, f"{live_server.url}/admin/enrollments/enrollmentimport/{job.pk}/change/")
    EnrollmentImport.objects.filter(pk=job.pk).update(processed_rows=40)
    expect(page.locator("#import-progress progress")).to_have_attribute("value", "40")

    assert violations() == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_api_docs_work_under_the_policy(page, live_server, violations, superuser_login):
    log_in(page, live_server, "quantri")
    visit(page, f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock")

    assert violations() == []
