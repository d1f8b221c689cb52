"""Residents' requests and complaints (pages/quality/complaints.py) and their response limits. The
channels, kinds, categories and urgency come from db/reference/complaints.yaml (``vocabulary``)."""

CATALOG: dict[str, tuple[str, str]] = {
    "cmp.complaint": ("居民诉求", "Request"),
    "cmp.new": ("登记诉求", "Log a request"),
    "cmp.kind": ("类型", "Kind"),
    "cmp.channel": ("渠道", "Channel"),
    "cmp.category": ("类别", "Category"),
    "cmp.urgency": ("紧急程度", "Urgency"),
    "cmp.content": ("诉求内容", "What was raised"),
    "cmp.resident": ("居民", "Resident"),
    "cmp.subject_org": ("被投诉单位", "Organisation concerned"),
    "cmp.subject_org_help": ("投诉针对的单位，如物业公司；没有可留空", "The organisation complained about, e.g. the property company; may be empty"),
    "cmp.received_on": ("受理日期", "Received on"),
    "cmp.received_time": ("受理时间", "Received at"),
    "cmp.received_at": ("受理时间", "Received"),
    "cmp.status": ("状态", "Status"),
    "cmp.assignee": ("承办人", "Assignee"),
    "cmp.response_due": ("响应时限", "Response due"),
    "cmp.resolution_due": ("办结时限", "Resolution due"),
    "cmp.response_state": ("响应", "Response"),
    "cmp.resolution_state": ("办结", "Resolution"),
    "cmp.response_note": ("首次响应情况", "First response"),
    "cmp.resolution": ("办理结果", "Resolution"),
    "cmp.explanation": ("解释说明", "Explanation"),
    "cmp.satisfaction": ("回访满意度", "Satisfaction at follow-up"),
    "cmp.first_response": ("首次响应", "First response"),
    "cmp.resolved_at": ("办结时间", "Closed"),
    "cmp.followed_up": ("回访", "Follow-up"),
    "cmp.on": ("日期", "Date"),
    "cmp.at": ("时间", "Time"),
    # views
    "cmp.view_open": ("未办结", "Open"),
    "cmp.view_response_overdue": ("响应超时", "Response overdue"),
    "cmp.view_resolution_overdue": ("办结超时", "Resolution overdue"),
    "cmp.view_explained": ("已说明", "Explained"),
    "cmp.counts": ("未办结 {open} 件，其中响应超时 {response_overdue} 件、办结超时 {resolution_overdue} 件（共 {total} 件）", "{open} open, {response_overdue} past their response limit, {resolution_overdue} past their resolution limit ({total} in all)"),
    # steps
    "cmp.assign": ("派单", "Assign"),
    "cmp.respond": ("首次响应", "First response"),
    "cmp.resolve": ("办结", "Resolve"),
    "cmp.follow_up": ("回访", "Follow up"),
    "cmp.explain": ("无法按时解决，向居民说明", "Cannot be solved in time: explain"),
    # refusals and warnings
    "cmp.err_future_receipt": ("受理时间不能晚于现在", "the request cannot be received in the future"),
    "cmp.err_response_before": ("响应时间不能早于受理时间", "the response cannot come before the request"),
    "cmp.err_resolution_before": ("办结时间不能早于首次响应时间", "the resolution cannot come before the first response"),
    "cmp.err_future_time": ("时间不能晚于现在", "the time is in the future"),
    "cmp.locked_closed": ("诉求已办结，不能再修改。", "This request is closed and can no longer be changed."),
    "cmp.calendar_missing": ("{year} 年节假日安排尚未收录，按周一至周五计算", "The public holidays of {year} are not known yet; counted Monday to Friday"),
    "cmp.no_limit": ("没有适用的时限标准，未计算时限。", "No response limit applies; no due times were set."),
    # the limits
    "cmp.tab_ledger": ("诉求台账", "Requests"),
    "cmp.tab_limits": ("时限标准", "Response limits"),
    "cmp.limit": ("时限标准", "Response limit"),
    "cmp.limits_help": ("按类别 × 紧急程度匹配（* 为任意）：两项都匹配的优先，其次类别匹配，再次紧急程度匹配，最后为通用标准。修改只影响之后受理的诉求。", "Matched by category × urgency (* = any): both matching first, then the category, then the urgency, then the default. A change applies to requests received afterwards."),
    "cmp.calendar_range": ("工作日按国务院节假日安排（含调休上班）计算，已收录 {first}–{last} 年。", "Working days follow the State Council's holidays and make-up workdays, known for {first}–{last}."),
    "cmp.response_value": ("响应时限", "Response within"),
    "cmp.response_unit": ("响应单位", "Response unit"),
    "cmp.resolution_value": ("办结时限", "Resolve within"),
    "cmp.resolution_unit": ("办结单位", "Resolution unit"),
    "cmp.limit_note": ("依据", "Source"),
    # improvement actions from a request
    # KPIs
    "cmp.kpi_response": ("诉求按时响应率", "Requests answered in time"),
    "cmp.kpi_resolution": ("诉求按时办结率", "Requests resolved in time"),
    "cmpstate.received": ("已受理", "Received"),
    "cmpstate.assigned": ("已派单", "Assigned"),
    "cmpstate.in_progress": ("办理中", "In progress"),
    "cmpstate.done": ("已办结", "Done"),
    "cmpstate.followed_up": ("已回访", "Followed up"),
    "cmpstate.explained": ("已说明", "Explained"),
    "cmpdue.pending": ("未到期", "Not yet due"),
    "cmpdue.in_time": ("按时", "In time"),
    "cmpdue.late": ("超时", "Late"),
    "cmpdue.overdue": ("已逾期", "Overdue"),
    "limitunit.hours": ("小时", "hours"),
    "limitunit.days": ("天", "days"),
    "limitunit.workdays": ("个工作日", "working days"),
}


def vocabulary() -> dict[str, tuple[str, str]]:
    """The vocabularies with their English (db/reference/complaints.yaml); "*" is any."""
    from db import reference

    data = reference.load("complaints")
    out = {f"channel.{k}": (k, v) for k, v in data["channels"].items()}
    out.update({f"cmpkind.{k}": (v["zh"], v["en"]) for k, v in data["kinds"].items()})
    out.update({f"cmpcat.{k}": (k, v) for k, v in data["categories"].items()})
    out.update({f"urgency.{k}": (k, v) for k, v in data["urgency"].items()})
    out["cmpcat.*"] = ("* 任意类别", "* any category")
    out["urgency.*"] = ("* 任意", "* any")
    return out
