"""The form that starts a new prompt or rubric."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from app.vocabulary import LEVELS

SLUG = r"^[a-z0-9]+(-[a-z0-9]+)*$"
SLUG_MESSAGE = "Use lowercase letters, digits and single hyphens, e.g. order-history."


class CheckboxList(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class NewItemForm(FlaskForm):
    kind = SelectField("What to write", validators=[DataRequired("Choose what to write.")])
    slug = StringField(
        "Slug", validators=[DataRequired("Enter a slug."), Length(max=80),
                            Regexp(SLUG, message=SLUG_MESSAGE)],
        description="The file's name and the prompt's address: lowercase letters, digits "
                    "and hyphens.")
    title = StringField("Title", validators=[DataRequired("Enter a title."), Length(max=200)])
    level = SelectField("Level", choices=[SelectChoice(level.value, level.value.capitalize())
                                          for level in LEVELS], default="senior")
    minutes = IntegerField("Minutes", default=45, validators=[
        Optional(), NumberRange(5, 240, "Between 5 and 240 minutes.")])
    competencies = CheckboxList("Competencies", description="What the prompt evidences; a "
                                                          "prompt names at least one.")
    rubric = StringField(
        "Rubric", validators=[Optional(), Length(max=80), Regexp(SLUG, message=SLUG_MESSAGE)],
        description="The rubric's slug. Empty: a new rubric named like the prompt, created "
                    "with it.")

    def validate_competencies(self, field) -> None:
        if self.kind.data != "rubric" and not field.data:
            raise ValidationError("Choose at least one competency.")
