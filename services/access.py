"""Who may do what: the whole role matrix (page × action × role) and row scope.

Pages ask this module before drawing anything; services ask it again before every write.
A page hidden from navigation is not a permission.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from services.errors import PermissionDenied

ROLES = ("admin", "supervisor", "manager", "staff", "volunteer")
ALL = frozenset(ROLES)
OFFICE = frozenset({"admin", "supervisor", "manager", "staff"})  # everyone but volunteers
EDITORS = frozenset({"admin", "manager", "staff"})
LEADS = frozenset({"admin", "manager"})
ADMIN = frozenset({"admin"})
EXPORTERS = frozenset({"admin", "supervisor", "manager"})  # spreadsheets of people leave with these roles

# Sections of the navigation, in order. Page scripts live in pages/<section>/.
SECTIONS = ("overview", "people", "safety", "quality", "volunteering", "admin", "me")


@dataclass(frozen=True)
class PageSpec:
    key: str  # the fixed URL path (DESIGN.md "Fixed names")
    section: str
    script: str | None  # path relative to the project root; None: not built yet
    icon: str


# Every page of the design. ``script=None`` marks pages of later issues: they are in the
# matrix already (so the rules are in one place) but not in the navigation.
PAGES: dict[str, PageSpec] = {p.key: p for p in (
    PageSpec("home", "overview", "pages/overview/home.py", ":material/home:"),
    PageSpec("dashboard", "overview", "pages/overview/dashboard.py", ":material/monitoring:"),
    PageSpec("reports", "overview", "pages/overview/reports.py", ":material/summarize:"),
    PageSpec("residents", "people", "pages/people/residents.py", ":material/groups:"),
    PageSpec("visits", "people", "pages/people/visits.py", ":material/volunteer_activism:"),
    PageSpec("rentals", "people", "pages/people/rentals.py", ":material/apartment:"),
    PageSpec("facilities", "safety", "pages/safety/facilities.py", ":material/construction:"),
    PageSpec("inspections", "safety", "pages/safety/inspections.py", ":material/checklist:"),
    PageSpec("hazards", "safety", "pages/safety/hazards.py", ":material/warning:"),
    PageSpec("schedule", "safety", "pages/safety/schedule.py", ":material/calendar_month:"),
    PageSpec("plans", "safety", "pages/safety/plans.py", ":material/description:"),
    PageSpec("drills", "safety", "pages/safety/drills.py", ":material/emergency:"),
    PageSpec("assessments", "quality", "pages/quality/assessments.py", ":material/grading:"),
    PageSpec("surveys", "quality", "pages/quality/surveys.py", ":material/poll:"),
    PageSpec("actions", "quality", "pages/quality/actions.py", ":material/task_alt:"),
    PageSpec("complaints", "quality", "pages/quality/complaints.py", ":material/feedback:"),
    PageSpec("activities", "volunteering", "pages/volunteering/activities.py", ":material/event:"),
    PageSpec("volunteers", "volunteering", "pages/volunteering/volunteers.py", ":material/diversity_3:"),
    PageSpec("my-hours", "volunteering", "pages/volunteering/my_hours.py", ":material/schedule:"),
    PageSpec("places", "admin", "pages/admin/places.py", ":material/location_city:"),
    PageSpec("users", "admin", "pages/admin/users.py", ":material/manage_accounts:"),
    PageSpec("reference", "admin", "pages/admin/reference.py", ":material/library_books:"),
    PageSpec("audit", "admin", "pages/admin/audit.py", ":material/policy:"),
    PageSpec("targets", "admin", "pages/admin/targets.py", ":material/tune:"),
    PageSpec("backup", "admin", None, ":material/backup:"),
    PageSpec("account", "me", "pages/me/account.py", ":material/person:"),
)}

# page -> action -> roles. "view" opens the page; other actions are checked by services.
MATRIX: dict[str, dict[str, frozenset[str]]] = {
    "home": {"view": ALL},
    "account": {"view": ALL, "edit": ALL},
    "dashboard": {"view": OFFICE},
    "reports": {"view": frozenset({"admin", "supervisor", "manager"}), "export": frozenset({"admin", "supervisor", "manager"})},
    "residents": {"view": OFFICE, "create": EDITORS, "edit": EDITORS, "export": frozenset({"admin", "supervisor", "manager"}),
                  "import": LEADS, "reveal": LEADS, "purge": ADMIN},
    "visits": {"view": OFFICE, "create": EDITORS, "edit": EDITORS, "export": EXPORTERS},
    "rentals": {"view": OFFICE, "create": EDITORS, "edit": EDITORS, "export": frozenset({"admin", "supervisor", "manager"})},
    "facilities": {"view": OFFICE, "create": EDITORS, "edit": EDITORS, "export": OFFICE, "import": LEADS},
    "inspections": {"view": OFFICE, "create": EDITORS, "export": OFFICE},
    "hazards": {"view": OFFICE, "create": EDITORS, "edit": EDITORS, "escalate": LEADS, "export": OFFICE},
    "schedule": {"view": OFFICE},
    # a plan is the leads' (a revision is a new version); staff and supervisors read it
    "plans": {"view": OFFICE, "create": LEADS, "edit": LEADS, "delete": LEADS, "export": OFFICE},
    # staff plan and record drills; the leads evaluate them; the admin keeps the obligations (rules)
    "drills": {"view": OFFICE, "create": EDITORS, "edit": EDITORS, "delete": LEADS, "evaluate": LEADS,
               "export": OFFICE, "rules": ADMIN},
    "assessments": {"view": OFFICE, "create": LEADS | {"supervisor"}, "approve": frozenset({"admin", "supervisor"}),
                    "sets": frozenset({"admin", "supervisor"})},
    "surveys": {"view": ALL, "create": LEADS, "enter": ALL, "publish": frozenset({"admin", "supervisor"}),
                "export": OFFICE},  # results only: aggregates, never a form
    "actions": {"view": OFFICE, "create": EDITORS | {"supervisor"}, "edit": EDITORS, "verify": OFFICE,
                "export": OFFICE},
    # the leads dispatch a request and explain (说明) one that cannot be solved in time; the admin keeps the limits
    "complaints": {"view": OFFICE, "create": EDITORS, "edit": EDITORS, "assign": LEADS, "explain": LEADS,
                   "export": EXPORTERS, "limits": ADMIN},
    "activities": {"view": ALL, "create": EDITORS, "edit": EDITORS, "export": OFFICE},
    "volunteers": {"view": OFFICE, "edit": EDITORS, "verify": EDITORS, "export": EXPORTERS},
    "my-hours": {"view": frozenset({"volunteer"}), "create": frozenset({"volunteer"})},
    "places": {"view": LEADS, "edit": LEADS, "delete": LEADS, "communities": ADMIN, "export": LEADS},
    "users": {"view": ADMIN, "edit": ADMIN},
    "reference": {"view": ADMIN, "edit": ADMIN},
    "audit": {"view": ADMIN},
    "targets": {"view": frozenset({"admin", "supervisor"}), "edit": frozenset({"admin", "supervisor"}),
                "thresholds": ADMIN},
    "backup": {"view": ADMIN},
}


@dataclass(frozen=True)
class Actor:
    """The logged-in user as services see it.

    ``community_ids`` None means every community (admin). ``grid_ids`` None means every grid
    of those communities; a set limits rows to those grids (staff).
    """

    user_id: int | None
    username: str
    role: str
    display_name: str = ""
    community_ids: frozenset[int] | None = frozenset()
    grid_ids: frozenset[int] | None = None
    language: str | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)


SYSTEM = Actor(None, "system", "admin", "system", None, None)


def can(role_or_actor: str | Actor, page: str, action: str = "view") -> bool:
    role = role_or_actor.role if isinstance(role_or_actor, Actor) else role_or_actor
    return role in MATRIX.get(page, {}).get(action, frozenset())


def require(actor: Actor | None, page: str, action: str = "view") -> Actor:
    if actor is None or not can(actor, page, action):
        raise PermissionDenied(page=page, action=action)
    return actor


def built_pages() -> list[PageSpec]:
    return [p for p in PAGES.values() if p.script]


def visible_pages(role: str) -> list[PageSpec]:
    """Pages the role may open, in navigation order (sections, then declaration order)."""
    pages = [p for p in built_pages() if can(role, p.key)]
    return sorted(pages, key=lambda p: SECTIONS.index(p.section))


def actions_of(role: str, page: str) -> list[str]:
    return [a for a, roles in MATRIX.get(page, {}).items() if role in roles]


# --- row scope -------------------------------------------------------------------------

def sees_community(actor: Actor, community_id: int | None) -> bool:
    return actor.community_ids is None or community_id in actor.community_ids


def sees_grid(actor: Actor, community_id: int | None, grid_id: int | None) -> bool:
    if not sees_community(actor, community_id):
        return False
    return actor.grid_ids is None or grid_id in actor.grid_ids


def require_row(actor: Actor, community_id: int | None, grid_id: int | None = None) -> None:
    """A row of ``community_id`` (and of ``grid_id`` when it belongs to a grid) in the actor's scope.
    Rows without a grid (activities, volunteer hours) are scoped by community only."""
    ok = sees_community(actor, community_id) if grid_id is None else sees_grid(actor, community_id, grid_id)
    if not ok:
        raise PermissionDenied("err.out_of_scope")


def community_clause(actor: Actor, column):
    """A WHERE clause limiting ``column`` (a community_id) to the actor's communities."""
    from sqlalchemy import false, true

    if actor.community_ids is None:
        return true()
    if not actor.community_ids:
        return false()
    return column.in_(sorted(actor.community_ids))


def grid_clause(actor: Actor, column):
    from sqlalchemy import false, true

    if actor.grid_ids is None:
        return true()
    return column.in_(sorted(actor.grid_ids)) if actor.grid_ids else false()
