"""What the OpenAPI schema (``/api/schema/``) says beyond what drf-spectacular infers:

- a tag and a summary per operation, in the request's language (``Accept-Language``:
  Vietnamese by default, English on request), from the table below;
- the error answers every operation may give, each with the error contract's body
  (``core.api.ErrorSerializer``): 400, 401, 403, 404 and 429 everywhere, 409 for writes,
  413 where a body is sent.

``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]`` runs ``postprocess``; an operation missing
from the table keeps the first line of its view's description as its summary, and
``tests/emulation_config/test_schema.py`` fails on it.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

# The first segment of a path under /api/v1/ → its tag.
TAGS = {
    "auth": _("Logins and tokens"),
    "agents": _("Agents"),
    "campaigns": _("Campaigns"),
    "phases": _("Phases and leaderboards"),
    "clusters": _("Clusters"),
    "teams": _("Teams"),
    "enrollments": _("Enrollments"),
    "quote": _("Contribution quotes"),
    "me": _("My progress"),
    "awards": _("Awards"),
    "exports": _("Export jobs"),
    "appeals": _("Appeals"),
    "nominations": _("Nominations"),
    "council-meetings": _("Council meetings"),
}

SUMMARIES = {
    ("GET", "/api/v1/campaigns/{code}/progress/"): _("Read progress against plan"),
    ("GET", "/api/v1/appeals/"): _("List the appeals I may read"),
    ("POST", "/api/v1/appeals/"): _("File an appeal"),
    ("GET", "/api/v1/appeals/{id}/"): _("Read an appeal"),
    ("GET", "/api/v1/appeals/{id}/attachment/"): _("Download an appeal's attachment"),
    ("POST", "/api/v1/appeals/{id}/dismiss/"): _("Dismiss an appeal (council)"),
    ("POST", "/api/v1/appeals/{id}/uphold/"): _("Uphold an appeal (council)"),
    ("GET", "/api/v1/council-meetings/"): _("List council meetings"),
    ("POST", "/api/v1/council-meetings/"): _("Record a council meeting"),
    ("GET", "/api/v1/council-meetings/{id}/"): _("Read a council meeting"),
    ("GET", "/api/v1/me/notice-preferences/"): _("Read my notice settings"),
    ("PATCH", "/api/v1/me/notice-preferences/"): _("Change my notice settings"),
    ("GET", "/api/v1/me/notices/"): _("List my notices"),
    ("GET", "/api/v1/me/notices/{id}/"): _("Read one of my notices"),
    ("POST", "/api/v1/me/notices/{id}/read/"): _("Mark a notice read"),
    ("POST", "/api/v1/me/notices/read-all/"): _("Mark all my notices read"),
    ("GET", "/api/v1/nominations/"): _("List nominations"),
    ("POST", "/api/v1/nominations/"): _("Propose a nomination"),
    ("GET", "/api/v1/nominations/{id}/"): _("Read a nomination"),
    ("POST", "/api/v1/nominations/{id}/approve/"): _("Approve a nomination (director)"),
    ("POST", "/api/v1/nominations/{id}/reject/"): _("Reject a nomination (director)"),
    ("POST", "/api/v1/nominations/{id}/review/"): _("Review a nomination (council)"),
    ("GET", "/api/v1/phases/{id}/documents/{kind}.docx"): _("Download a document of the award dossier"),
    ("GET", "/api/v1/phases/{id}/notice/"): _("Read the public notice of a phase's results"),
    ("POST", "/api/v1/auth/token/"): _("Log in: a token for this device"),
    ("GET", "/api/v1/auth/tokens/"): _("List my tokens"),
    ("DELETE", "/api/v1/auth/tokens/{token_key}/"): _("Revoke one of my tokens"),
    ("POST", "/api/v1/agents/{code}/login/"): _("Give an agent a login"),
    ("GET", "/api/v1/campaigns/"): _("List the campaigns I may read"),
    ("GET", "/api/v1/campaigns/{code}/"): _("Read a campaign"),
    ("GET", "/api/v1/campaigns/{code}/progress.xlsx"): _("Download the progress workbook"),
    ("GET", "/api/v1/phases/"): _("List the phases I may read"),
    ("GET", "/api/v1/phases/{id}/"): _("Read a phase"),
    ("GET", "/api/v1/phases/{id}/standings/"): _("Read a leaderboard"),
    ("GET", "/api/v1/phases/{id}/ranking.xlsx"): _("Download the ranking workbook"),
    ("POST", "/api/v1/phases/{id}/close/"): _("Close a phase"),
    ("POST", "/api/v1/phases/{id}/finalize/"): _("Finalize a phase"),
    ("POST", "/api/v1/phases/{id}/reopen/"): _("Reopen a finalized phase"),
    ("GET", "/api/v1/clusters/"): _("List the clusters I may read"),
    ("GET", "/api/v1/clusters/{id}/"): _("Read a cluster"),
    ("GET", "/api/v1/teams/"): _("List the teams I may read"),
    ("GET", "/api/v1/teams/{id}/"): _("Read a team"),
    ("GET", "/api/v1/enrollments/"): _("List enrollments"),
    ("POST", "/api/v1/enrollments/"): _("Submit an enrollment"),
    ("POST", "/api/v1/enrollments/bulk/"): _("Submit many enrollments"),
    ("GET", "/api/v1/enrollments/{id}/"): _("Read an enrollment"),
    ("GET", "/api/v1/enrollments/export.xlsx"): _("Download enrollments as Excel"),
    ("POST", "/api/v1/enrollments/{id}/confirm/"): _("Confirm an enrollment"),
    ("POST", "/api/v1/enrollments/{id}/reject/"): _("Reject an enrollment"),
    ("POST", "/api/v1/enrollments/{id}/cancel/"): _("Cancel an enrollment"),
    ("POST", "/api/v1/enrollments/{id}/withdraw/"): _("Withdraw my enrollment"),
    ("GET", "/api/v1/quote/"): _("Quote a contribution"),
    ("GET", "/api/v1/me/progress/"): _("Read my progress"),
    ("GET", "/api/v1/awards/"): _("List awards"),
    ("GET", "/api/v1/awards/totals/"): _("Total the awards"),
    ("GET", "/api/v1/awards/{id}/"): _("Read an award"),
    ("GET", "/api/v1/awards/export.xlsx"): _("Download the award list"),
    ("POST", "/api/v1/awards/{id}/review/"): _("Review an award (council)"),
    ("POST", "/api/v1/awards/{id}/approve/"): _("Approve an award (director)"),
    ("POST", "/api/v1/awards/{id}/reject/"): _("Reject an award (director)"),
    ("POST", "/api/v1/awards/{id}/revoke/"): _("Revoke an award"),
    ("GET", "/api/v1/exports/"): _("List my export jobs"),
    ("POST", "/api/v1/exports/"): _("Ask for an export job"),
    ("GET", "/api/v1/exports/{id}/"): _("Read an export job"),
    ("GET", "/api/v1/exports/{id}/download/"): _("Download an export job's workbook"),
}

ERRORS = {
    "400": _("Bad input: a message per field, every problem at once."),
    "401": _("No token, or a token that is not valid or has expired."),
    "403": _("Not allowed."),
    "404": _("Not found, or not yours."),
    "409": _("A conflict with what is stored (a state that does not allow the change)."),
    "413": _("The request is too large."),
    "429": _("Too many requests, or a login locked out: try again after Retry-After seconds."),
}
WRITES = {"post", "put", "patch", "delete"}
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _tag(path: str) -> str:
    segment = path.removeprefix("/api/v1/").split("/", 1)[0]
    return str(TAGS.get(segment, segment.capitalize()))


def postprocess(result, generator, request, public):
    """Tags, summaries and error answers (see the module's docstring)."""
    used_tags: list[str] = []
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            tag = _tag(path)
            operation["tags"] = [tag]
            if tag not in used_tags:
                used_tags.append(tag)
            summary = SUMMARIES.get((method.upper(), path))
            if summary is not None:
                operation["summary"] = str(summary)
            elif operation.get("description"):
                operation["summary"] = operation["description"].split("\n", 1)[0][:120]
            responses = operation.setdefault("responses", {})
            codes = ["400", "401", "403", "404", "429"]
            if method in WRITES:
                codes.append("409")
            if "requestBody" in operation:
                codes.append("413")
            for code in codes:
                answer = responses.setdefault(code, {"description": str(ERRORS[code])})
                answer["content"] = {"application/json": {"schema": ERROR_REF}}
    result["tags"] = [{"name": tag} for tag in used_tags]
    return result
