"""The form that creates an interview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.auth.forms import email_format
from app.interviews.invitations import MINUTES_RANGE
from app.models import InterviewMode


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class InterviewForm(FlaskForm):
    candidate_name = StringField("Candidate's name", validators=[
        DataRequired("Enter the candidate's name."), Length(max=80)])
    candidate_email = EmailField(
        "Candidate's email", validators=[DataRequired("Enter the candidate's email."),
                                         email_format],
        description="Shown to the panel beside the account the candidate joins with.")
    title = StringField("Title", validators=[Optional(), Length(max=200)],
                        description="Optional. By default: the candidate's name and first prompt.")
    prompts = CheckboxList("Prompts", validators=[DataRequired("Choose at least one prompt.")])
    target_level = RadioField("Target level", choices=[
        SelectChoice("mid", "Mid"), SelectChoice("senior", "Senior"),
        SelectChoice("staff", "Staff")], default="senior")
    mode = RadioField("Mode", choices=[
        SelectChoice(InterviewMode.LIVE.value, "Live: the clock starts when the candidate "
                     "starts, and you watch as they write"),
        SelectChoice(InterviewMode.TAKE_HOME.value, "Take-home: a fixed deadline")],
        default=InterviewMode.LIVE.value)
    minutes = IntegerField(
        "Live time box, in minutes", validators=[Optional(), NumberRange(*MINUTES_RANGE)],
        description="Optional. By default: the prompts' own time boxes added up.")
    deadline = DateTimeLocalField("Take-home deadline", validators=[Optional()],
                                  format="%Y-%m-%dT%H:%M",
                                  description="In your time zone. Required for a take-home.")
    # Minutes to add to local time to get UTC (JavaScript's getTimezoneOffset()).
    tz_offset = HiddenField(default="0")
    reviewers = CheckboxList("Other reviewers", coerce=int, validators=[Optional()],
                             description="Interviewers who score blind beside you.")
    hints_allowed = BooleanField("Let the candidate reveal the prompts' hints")
    anonymised = BooleanField("Anonymised review: hide the candidate's name and email from "
                              "the other reviewers until the decision")

    def deadline_utc(self) -> datetime | None:
        """The deadline as an aware datetime, in UTC unless UTC cannot hold it.

        At either end of the calendar (9999-12-31 in UTC-14) moving to UTC would
        overflow; the deadline then keeps its own offset, and the service refuses
        it as too late or too early like any other out-of-range deadline.
        """
        if self.deadline.data is None:
            return None
        try:
            offset = int(self.tz_offset.data or 0)
        except ValueError:
            offset = 0
        offset = max(-14 * 60, min(14 * 60, offset))
        local = self.deadline.data.replace(tzinfo=timezone(timedelta(minutes=-offset)))
        try:
            return local.astimezone(UTC)
        except OverflowError:
            return local
