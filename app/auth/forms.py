"""Forms of the sign-up, login and account pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.auth.services import DISPLAY_NAME_MAX, PASSWORD_MAX, PASSWORD_MIN

password_length = Length(
    min=PASSWORD_MIN, max=PASSWORD_MAX, message=f"Use {PASSWORD_MIN} to {PASSWORD_MAX} characters."
)
email_format = Email(message="Enter an email address like name@example.com.",
                     check_deliverability=False)


class SignUpForm(FlaskForm):
    display_name = StringField(
        "Your name", validators=[DataRequired("Enter your name."), Length(max=DISPLAY_NAME_MAX)]
    )
    email = EmailField("Email", validators=[DataRequired("Enter your email."), email_format])
    password = PasswordField(
        "Password",
        description=f"At least {PASSWORD_MIN} characters. A passphrase is easiest to remember.",
        validators=[DataRequired("Choose a password."), password_length],
    )
    confirm = PasswordField(
        "Repeat password",
        validators=[DataRequired("Repeat the password."),
                    EqualTo("password", message="The two passwords differ.")],
    )
    next = HiddenField()


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email."), email_format])
    password = PasswordField("Password", validators=[DataRequired("Enter your password.")])
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class ResetPasswordForm(FlaskForm):
    """A new password, typed twice: from a reset link, or on the account page."""

    password = PasswordField(
        "New password",
        description=f"At least {PASSWORD_MIN} characters. Every other sign-in will end.",
        validators=[DataRequired("Choose a new password."), password_length],
    )
    confirm = PasswordField(
        "Repeat new password",
        validators=[DataRequired("Repeat the new password."),
                    EqualTo("password", message="The two passwords differ.")],
    )


class ChangePasswordForm(ResetPasswordForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired("Enter your email."), email_format])
