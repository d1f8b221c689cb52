"""Satisfaction surveys (pages/quality/surveys.py, services/surveys.py): svy svystate; sq (a
question's short name) and score (the 5-point scale and 不了解) from db/reference/surveys.yaml."""

CATALOG: dict[str, tuple[str, str]] = {
    "svy.survey": ("满意度调查", "Satisfaction survey"),
    "svy.new": ("新建调查", "New survey"),
    "svy.title": ("调查名称", "Title"),
    "svy.period_start": ("调查开始", "Period starts"),
    "svy.period_end": ("调查结束", "Period ends"),
    "svy.questions": ("调查题目", "Questions"),
    "svy.anonymous": ("匿名", "Anonymous"),
    "svy.anonymous_help": ("匿名调查不记录答卷人", "An anonymous survey records nobody's name"),
    "svy.named": ("实名", "Named"),
    "svy.activity": ("关联活动", "After activity"),
    "svy.activity_help": ("活动后开展的调查关联到该活动，活动详情中显示调查结果",
                          "A survey after an activity links to it; the activity shows the result"),
    "svy.grid_help": ("留空表示全社区", "Leave empty for the whole community"),
    "svy.target": ("目标份数", "Target forms"),
    "svy.status": ("状态", "Status"),
    "svy.forms": ("已录入份数", "Forms entered"),
    "svy.view_open": ("进行中", "Open"),
    "svy.close": ("结束调查", "Close"),
    "svy.reopen": ("重新开放", "Reopen"),
    "svy.publish": ("发布结果", "Publish results"),
    "svy.locked_published": ("结果已发布，不能再修改。", "The results are published: the survey can no longer be changed."),
    "svystate.open": ("进行中", "Open"),
    "svystate.closed": ("已结束", "Closed"),
    "svystate.published": ("已发布", "Published"),
    # entry of paper forms
    "svy.mode": ("功能", "Mode"),
    "svy.mode_manage": ("调查与结果", "Surveys and results"),
    "svy.mode_enter": ("录入问卷", "Enter forms"),
    "svy.pick": ("录入哪项调查", "Survey to enter"),
    "svy.none_open": ("目前没有可录入的调查（进行中且已开始）。", "No survey takes forms now (open and started)."),
    "svy.entered": ("已录入 {n} 份", "{n} forms entered"),
    "svy.form_no": ("问卷编号（可选）", "Form number (optional)"),
    "svy.form_no_hint": ("纸质问卷上的编号", "The number on the paper form"),
    "svy.save_next": ("保存，下一份", "Save, next form"),
    "svy.saved": ("已保存，已录入 {n} 份", "Saved: {n} forms entered"),
    "svy.saved_already": ("这份问卷已经保存过，没有重复录入", "This form was saved already: nothing was added"),
    "svy.enter_forms": ("录入问卷", "Enter forms"),
    "svy.err_form": ("问卷未保存：", "The form was not saved:"),
    "svy.err_score": ("只能选 1–5 分或不了解", "only a score of 1–5 or don't know"),
    "svy.err_question": ("不是本调查的题目", "not a question of this survey"),
    "svy.err_blank": ("这份问卷一题也没有选，未保存。", "Nothing is picked on this form: it was not saved."),
    "svy.err_not_open": ("调查已结束，不能再录入问卷。", "The survey is closed: no more forms can be entered."),
    "svy.err_not_started": ("调查期尚未开始，不能录入问卷。", "The survey period has not started: no forms yet."),
    "svy.err_token": ("这份问卷属于另一项调查。", "This form belongs to another survey."),
    "svy.err_period": ("不能早于开始日期", "cannot be before the start"),
    "svy.err_questions_answered": ("已有问卷录入，题目不能再改", "forms are entered: the questions stay"),
    # results
    "svy.kpi": ("居民满意率", "Residents' satisfaction"),
    "svy.rate": ("满意率", "Satisfaction"),
    "svy.rate_pct": ("满意率 %", "Satisfied %"),
    "svy.valid": ("有效回答 {n} 个", "{n} valid answers"),
    "svy.valid_col": ("有效回答", "Valid answers"),
    "svy.forms_of": ("{n} 份问卷", "{n} forms"),
    "svy.no_answers": ("还没有有效回答。", "No valid answers yet."),
    "svy.question": ("题目", "Question"),
    "svy.answer": ("回答", "Answer"),
    "svy.overall": ("全部题目", "All questions"),
    "svy.below": ("低于目标", "Below target"),
    "svy.at_target": ("达到目标", "On target"),
    "svy.below_target": ("低于目标满意率", "below the target"),
    "svy.open_action": ("发起整改", "Open an action"),
    "svy.action_title": ("提升满意度：{survey} · {question}", "Raise satisfaction: {survey} · {question}"),
    "svy.action_opened": ("已发起整改措施", "Improvement action opened"),
    "svy.action_open": ("已发起整改", "Action opened"),
    "svy.err_action_exists": ("这道题已经发起了整改措施。", "An action is already open for this question."),
    "svy.export_csv": ("导出结果 CSV", "Results as CSV"),
    "svy.export_xlsx": ("导出结果 Excel", "Results as Excel"),
    "svy.err_not_below": ("这道题没有低于目标", "this question is not below the target"),
}


def vocabulary() -> dict[str, tuple[str, str]]:
    """The bank's short names and the scale keep their English beside the Chinese
    (db/reference/surveys.yaml)."""
    from db import reference

    data = reference.load("surveys")
    out = {f"sq.{code}": (q["short"], q["short_en"]) for code, q in data["questions"].items()}
    out.update({f"score.{n}": (s["zh"], s["en"]) for n, s in data["scale"].items()})
    out["score.0"] = (data["unknown"]["zh"], data["unknown"]["en"])
    return out
