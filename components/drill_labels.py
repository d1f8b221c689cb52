"""How a drill obligation is named on screen: "消防演练" for a drill type, "安全事故类预案演练" for a
plan type (the schedule page, the dashboard's overdue list and the drills page's completion table)."""
from components.i18n import choice_label, t


def drill_label(kind: str, value: str) -> str:
    if kind == "plan_type":
        return t("drlsched.plan_drill", type=choice_label("plantype", value))
    return t("drlsched.type_drill", type=choice_label("drltype", value))
