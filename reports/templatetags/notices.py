"""The bell on every page: the user's unread notices (``reports.notices.selectors.unread_count``)."""

from django import template

from reports.notices.selectors import unread_count

register = template.Library()


@register.inclusion_tag("pages/notice_bell.html", takes_context=True)
def notice_bell(context) -> dict:
    user = context["user"]
    return {"unread": unread_count(user) if user.is_authenticated else 0}
