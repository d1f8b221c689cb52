"""All models, imported here so that ``Base.metadata`` knows every table."""
from db.base import Base
from db.models.places import Building, Community, Grid, Household, PLACE_LEDGERS
from db.models.residents import (RENTAL, RESIDENT, VISIT, Rental, RentalCheck, Resident, ResidentTag, Visit,
                                 VisitRule, rental_tenant)
from db.models.safety import (FACILITY, HAZARD, ChecklistItem, ChecklistTemplate, Facility, Hazard, HazardEvent,
                              Inspection, InspectionItem, Photo)
from db.models.volunteers import (ACTIVITY, MY_HOURS, TEAM, VOLUNTEER, VOLUNTEER_LOG, Activity, Team, Volunteer,
                                  VolunteerLog, activity_photo)
from db.models.quality import (Complaint, Evaluation, EvaluationScore, ImprovementAction, Indicator,
                               IndicatorSet, ResponseLimit, Survey, SurveyAnswer, SurveyQuestion, SurveyResponse)
from db.models.drills import (DRILL, DRILL_RULE, PLAN, Attachment, Drill, DrillRule, DrillScore, EmergencyPlan,
                              drill_photo)
from db.models.system import AuditHead, AuditLog, Setting
from db.models.sessions import REVOKE_REASONS, UserSession
from db.models.users import ROLES, User, user_community, user_grid

__all__ = [
    "Base", "Community", "Grid", "Building", "Household", "PLACE_LEDGERS",
    "Resident", "ResidentTag", "VisitRule", "Visit", "Rental", "RentalCheck", "rental_tenant",
    "RESIDENT", "VISIT", "RENTAL", "ChecklistTemplate", "ChecklistItem", "Facility", "Photo", "Inspection",
    "InspectionItem", "Hazard", "HazardEvent", "FACILITY", "HAZARD", "Team", "Volunteer", "Activity",
    "VolunteerLog", "activity_photo", "TEAM", "VOLUNTEER", "ACTIVITY", "MY_HOURS", "VOLUNTEER_LOG", "AuditHead", "AuditLog", "Setting", "User", "ROLES", "user_community", "user_grid",
    "UserSession", "REVOKE_REASONS", "Complaint", "Evaluation", "EvaluationScore", "ImprovementAction", "Indicator",
    "IndicatorSet", "ResponseLimit", "Survey", "SurveyAnswer", "SurveyQuestion", "SurveyResponse",
    "Attachment", "EmergencyPlan", "Drill", "DrillScore", "DrillRule", "drill_photo", "PLAN", "DRILL", "DRILL_RULE",
]
