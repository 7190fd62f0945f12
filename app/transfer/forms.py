"""The import page's forms: the upload, and the confirmation of a checked upload."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired


class UploadForm(FlaskForm):
    archive = FileField("Content zip", validators=[FileRequired("Choose a zip file to upload.")])


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired()])
