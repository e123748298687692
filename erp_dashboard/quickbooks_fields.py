"""QuickBooks Desktop's rules for a job's fields, in one place.

A project becomes a QuickBooks job (``job_fields``); what QuickBooks would refuse or
mangle is told by ``export_problems`` before anything is sent. The form's counters,
the project service, the models, the qbXML builder and the simulator all read the
limits and character rules here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from erp_dashboard.models import Project


@dataclass(frozen=True)
class TextRule:
    """How QuickBooks stores one text field of a job."""

    element: str  # its qbXML element
    label: str  # how people see it named
    limit: int  # the most characters QuickBooks stores
    no_comma: bool = False  # an address line: QuickBooks does not accept a comma in it


# The text fields of a job, keyed like JobFields attributes.
TEXT_RULES = {
    "name": TextRule("Name", "Name", 41),
    "addr1": TextRule("Addr1", "Address", 41, no_comma=True),
    "city": TextRule("City", "City", 31, no_comma=True),
    "state": TextRule("State", "State", 21, no_comma=True),
    "postal_code": TextRule("PostalCode", "Postal code", 13),
    "description": TextRule("JobDesc", "Description", 99),
}
LIMITS = {key: rule.limit for key, rule in TEXT_RULES.items()}
FULL_NAME_MAX = 209  # a job's FullName: "Customer:Job"
# Project attribute -> the JobFields attribute QuickBooks receives it as, in JobFields order.
EXPORTED = {
    "name": "name",
    "street": "addr1",
    "city": "city",
    "state": "state",
    "postal_code": "postal_code",
    "start_date": "start_date",
    "projected_end_date": "projected_end_date",
    "description": "description",
}
# The most characters each of a project's exported text fields takes.
PROJECT_LIMITS = {attr: LIMITS[key] for attr, key in EXPORTED.items() if key in LIMITS}


@dataclass(frozen=True)
class JobFields:
    """The fields QuickBooks receives for a job (what the qbXML builder writes)."""

    name: str
    parent_list_id: str
    addr1: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    job_status: str = "InProgress"
    start_date: date | None = None
    projected_end_date: date | None = None
    description: str = ""


def job_fields(project: Project, parent_list_id: str) -> JobFields:
    """The project as a QuickBooks job under the customer `parent_list_id`."""
    fields = {key: getattr(project, attr) for attr, key in EXPORTED.items()}
    return JobFields(parent_list_id=parent_list_id, **fields)


def as_stored(value: str) -> str:
    """What QuickBooks stores of `value`: characters outside ISO-8859-1 become "?"."""
    return value.encode("latin-1", "replace").decode("latin-1")


def _unstorable(ch: str) -> bool:
    """Outside ISO-8859-1, or a control character (C0 but tab and line breaks, DEL, C1)."""
    code = ord(ch)
    return code > 0xFF or (code < 0x20 and ch not in "\t\n\r") or 0x7F <= code <= 0x9F


def qb_safe_text_problem(value: str, field: str, limit: int) -> str | None:
    """Describe why QuickBooks cannot store ``value`` in ``field``, or return None.

    ``field`` is a TEXT_RULES key (named by its label) or a label.
    """
    field = TEXT_RULES[field].label if field in TEXT_RULES else field
    problems = []
    if len(value) > limit:
        problems.append(
            f"{field} is {len(value)} characters long; QuickBooks allows at most {limit}."
        )
    bad = sorted({ch for ch in value if _unstorable(ch)})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad)
        problems.append(
            f"{field} contains characters QuickBooks cannot store ({shown}); "
            "only ISO-8859-1 (Latin-1) text without control characters is allowed."
        )
    return " ".join(problems) or None


def field_problems(project: Project) -> dict[str, str]:
    """What QuickBooks cannot store of each project attribute (too long, not ISO-8859-1)."""
    job = job_fields(project, "")
    return {
        attr: problem
        for attr, key in EXPORTED.items()
        if key in TEXT_RULES
        and (problem := qb_safe_text_problem(getattr(job, key), key, LIMITS[key]))
    }


def export_problems(project: Project) -> list[str]:
    """Why QuickBooks could not store this project as a job (empty when it can)."""
    job = job_fields(project, "")
    texts = {key: getattr(job, key) for key in TEXT_RULES}
    problems = list(field_problems(project).values())
    if not job.name.strip():
        problems.append("The name is empty.")
    if any(ch < " " for value in texts.values() for ch in value):
        problems.append("A field contains a line break or another control character.")
    if any("," in texts[key] for key, rule in TEXT_RULES.items() if rule.no_comma):
        problems.append("The address contains a comma, which QuickBooks does not accept.")
    return problems
