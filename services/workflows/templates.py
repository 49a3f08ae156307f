"""The text of a workflow's e-mails: placeholders, a few filters and ``{% if %}``, no more.

Templates are Jinja2, rendered in a sandbox, and checked when a workflow is saved: a syntax
error, an unknown placeholder or any construct outside the small language below is refused
then (422), so sending never meets one. Attribute and item access, calls, loops,
assignments and arithmetic are all refused, which closes the sandbox-escape tricks
(``{{ ''.__class__ }}``) and keeps rendering time and output bounded by the template's length.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
from jinja2.sandbox import SandboxedEnvironment

PLACEHOLDERS = (
    "inviteeName",
    "inviteeEmail",
    "eventTypeTitle",
    "startTimeLocal",
    "startTimeHost",
    "endTimeLocal",
    "timezone",
    "manageUrl",
    "hostName",
    "location",
)
FILTERS = ("upper", "lower", "title", "capitalize", "trim", "default", "truncate")
TESTS = ("defined", "undefined", "none", "string", "eq", "ne")
# Everything else (loops, set, macros, calls, attribute and item access, arithmetic) is refused.
ALLOWED_NODES = (
    nodes.Output,
    nodes.TemplateData,
    nodes.Name,
    nodes.Const,
    nodes.If,
    nodes.CondExpr,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Compare,
    nodes.Operand,
    nodes.Concat,
    nodes.Filter,
    nodes.Test,
)
REFUSED = {
    nodes.Getattr: "attribute access",
    nodes.Getitem: "item access",
    nodes.Call: "calls",
    nodes.For: "loops",
    nodes.Assign: "{% set %}",
    nodes.AssignBlock: "{% set %}",
    nodes.Macro: "macros",
}

# Text mail: nothing is escaped; undefined names fail rather than vanish.
_environment = SandboxedEnvironment(
    autoescape=False,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

SAMPLE = {
    "inviteeName": "Grace Hopper",
    "inviteeEmail": "grace@navy.example",
    "eventTypeTitle": "Intro call",
    "startTimeLocal": "Monday, 9 March 2026, 09:00 (America/New_York)",
    "startTimeHost": "Monday, 9 March 2026, 14:00 (Europe/Berlin)",
    "endTimeLocal": "Monday, 9 March 2026, 09:30 (America/New_York)",
    "timezone": "America/New_York",
    "manageUrl": "https://book.example.com/manage/bkg_1?token=mt_1",
    "hostName": "Ada Lovelace",
    "location": "",
}


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


_INVITEE_BODY = """\
Hello {{ inviteeName }},

{intro}

What: {{ eventTypeTitle }} with {{ hostName }}
When: {{ startTimeLocal }}
{% if location %}Where: {{ location }}
{% endif %}
{manage}"""
_MANAGE = """\
{% if manageUrl %}

To reschedule or cancel: {{ manageUrl }}
{% endif %}
"""
_HOST_BODY = """\
{intro}

What: {{ eventTypeTitle }} with {{ inviteeName }} <{{ inviteeEmail }}>
When: {{ startTimeHost }}
{% if location %}Where: {{ location }}
{% endif %}
"""
# By trigger: the invitee's subject and first line, then the host's.
_WORDING = {
    "booking.created": (
        "Booked: {{ eventTypeTitle }} on {{ startTimeLocal }}",
        "Your booking is made.",
        "Booked: {{ eventTypeTitle }} with {{ inviteeName }} on {{ startTimeHost }}",
        "{{ inviteeName }} booked {{ eventTypeTitle }}.",
    ),
    "booking.cancelled": (
        "Cancelled: {{ eventTypeTitle }} on {{ startTimeLocal }}",
        "This booking is cancelled.",
        "Cancelled: {{ eventTypeTitle }} with {{ inviteeName }} on {{ startTimeHost }}",
        "{{ inviteeName }}'s booking of {{ eventTypeTitle }} is cancelled.",
    ),
    "booking.rescheduled": (
        "Moved: {{ eventTypeTitle }} to {{ startTimeLocal }}",
        "Your booking has moved to a new time.",
        "Moved: {{ eventTypeTitle }} with {{ inviteeName }} to {{ startTimeHost }}",
        "{{ inviteeName }}'s booking of {{ eventTypeTitle }} has moved.",
    ),
    "before_start": (
        "Reminder: {{ eventTypeTitle }} on {{ startTimeLocal }}",
        "A reminder of your booking.",
        "Reminder: {{ eventTypeTitle }} with {{ inviteeName }} on {{ startTimeHost }}",
        "A reminder: {{ eventTypeTitle }} with {{ inviteeName }} is coming up.",
    ),
    "after_end": (
        "Thank you: {{ eventTypeTitle }}",
        "Thank you for your time.",
        "Ended: {{ eventTypeTitle }} with {{ inviteeName }}",
        "{{ eventTypeTitle }} with {{ inviteeName }} has ended.",
    ),
}


def default_template(trigger: str, recipient: str) -> Template:
    """The e-mail an action without a template sends; ``recipient`` is invitee or host."""
    invitee_subject, invitee_intro, host_subject, host_intro = _WORDING[trigger]
    if recipient == "host":
        return Template(host_subject, _HOST_BODY.replace("{intro}", host_intro))
    # After the meeting there is nothing left to reschedule.
    manage = "" if trigger == "after_end" else _MANAGE
    body = _INVITEE_BODY.replace("{intro}", invitee_intro).replace("{manage}", manage)
    return Template(invitee_subject, body)


def problem(text: str) -> str | None:
    """Why ``text`` cannot be a template, or None if it can."""
    try:
        tree = _environment.parse(text)
        refused = _refused_construct(tree)
        unknown = sorted(meta.find_undeclared_variables(tree) - set(PLACEHOLDERS))
    except TemplateSyntaxError as exc:
        return f"line {exc.lineno}: {exc.message}"
    except RecursionError:
        return "is nested too deeply"
    if refused:
        return refused
    if unknown:
        return f"unknown placeholder {', '.join(unknown)}; known: {', '.join(PLACEHOLDERS)}"
    try:
        render(text, SAMPLE)
    except Exception as exc:
        # Whatever stops the sample from rendering (a filter given a wrong argument) would
        # stop a real e-mail too.
        return f"cannot be rendered: {exc}"
    return None


def _refused_construct(tree: nodes.Template) -> str | None:
    for node in tree.find_all(nodes.Node):
        if isinstance(node, nodes.Filter) and node.name not in FILTERS:
            return f"filter '{node.name}' is not allowed; use one of: {', '.join(FILTERS)}"
        if isinstance(node, nodes.Test) and node.name not in TESTS:
            return f"test '{node.name}' is not allowed; use one of: {', '.join(TESTS)}"
        if not isinstance(node, ALLOWED_NODES):
            construct = REFUSED.get(type(node), f"'{type(node).__name__}'")
            return (
                f"{construct} not allowed: use placeholders such as {{{{ inviteeName }}}}, "
                "filters and {% if %}"
            )
    return None


@lru_cache(maxsize=256)
def _compiled(text: str):
    return _environment.from_string(text)


def render(text: str, context: dict) -> str:
    """Render a template that :func:`problem` accepted."""
    return _compiled(text).render(context)


def long_time(moment: datetime, zone_name: str) -> str:
    """``Monday, 9 March 2026, 09:00 (America/New_York)``."""
    local = moment.astimezone(ZoneInfo(zone_name))
    return f"{local:%A}, {local.day} {local:%B %Y}, {local:%H:%M} ({zone_name})"
