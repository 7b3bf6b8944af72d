"""The expert's oral defense seats, listed on their review page."""
from django import template

from reviewers.panel_selectors import my_defense_rounds

register = template.Library()


@register.simple_tag(takes_context=True)
def defense_seats(context):
    return my_defense_rounds(context["request"].user)
