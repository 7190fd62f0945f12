"""The planner's two forms: the posting to plan, and the interview made from the plan."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from app.auth.forms import email_format
from app.content.planner import MAX_CHARS
from app.interviews.forms import InterviewForm
from app.models import InterviewMode
from app.vocabulary import LEVELS, LIVE_MINUTES

LOW, HIGH = LIVE_MINUTES
BUDGET_MESSAGE = f"Enter the total interview time as a whole number from {LOW} to {HIGH} minutes."


class PlanForm(FlaskForm):
    description = TextAreaField(
        "Job description", validators=[DataRequired("Paste a job description.")],
        description=f"Paste the posting as plain text, up to {MAX_CHARS:,} characters "
                    f"(about ten pages). Markup is not read as markup.")
    budget = IntegerField(
        "Total interview time, in minutes", default=90,
        validators=[InputRequired(BUDGET_MESSAGE), NumberRange(LOW, HIGH, BUDGET_MESSAGE)],
        description=f"From {LOW} to {HIGH}. The loop never takes longer.")
    level = SelectField(
        "Target level", default="", validate_choice=False,
        validators=[AnyOf(("", *LEVELS), "Choose mid, senior or staff, or let the posting say.")],
        choices=[SelectChoice("", "As the posting says (senior when it names none)"),
                 SelectChoice("mid", "Mid"), SelectChoice("senior", "Senior"),
                 SelectChoice("staff", "Staff")],
        description="The level the loop's prompts and the interview aim at.")

    def plain_budget_error(self) -> None:
        """One message for every wrong budget: WTForms would say "Not a valid integer value."
        for one that is not a number."""
        if self.budget.errors:
            self.budget.errors = [BUDGET_MESSAGE]


class HiddenList(Field):
    """Repeated hidden values (the plan's prompts), in the order they came."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [str(v) for v in valuelist]

    def _value(self) -> str:
        return ""


class PlanInterviewForm(FlaskForm):
    """The candidate and the mode; the prompts and level come from the plan."""

    candidate_name = StringField("Candidate's name", validators=[
        DataRequired("Enter the candidate's name."), Length(max=80)])
    candidate_email = EmailField(
        "Candidate's email", validators=[DataRequired("Enter the candidate's email."),
                                         email_format])
    mode = RadioField("Mode", choices=[
        SelectChoice(InterviewMode.LIVE.value, "Live: the clock starts when the candidate starts"),
        SelectChoice(InterviewMode.TAKE_HOME.value, "Take-home: a fixed deadline")],
        default=InterviewMode.LIVE.value)
    deadline = DateTimeLocalField("Take-home deadline", validators=[Optional()],
                                  format="%Y-%m-%dT%H:%M",
                                  description="In your time zone. Required for a take-home.")
    tz_offset = HiddenField(default="0")
    target_level = HiddenField()
    prompts = HiddenList()

    # The same reading of the deadline as the interviews page's form.
    deadline_utc = InterviewForm.deadline_utc
