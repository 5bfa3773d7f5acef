"""The admin UI's WTForms forms; score rules come from app/validation.py only."""

from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired, Length

from app.services.browse import PAGE_SIZES
from app.services.scores import SOURCES

VALUE_TYPES = [
    SelectChoice("json", "JSON"),
    SelectChoice("number", "Number"),
    SelectChoice("boolean", "true / false"),
    SelectChoice("text", "Text"),
]


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(
        "Username",
        validators=[InputRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        "Password", validators=[InputRequired()], render_kw={"autocomplete": "current-password"}
    )
    next = HiddenField()
    submit = SubmitField("Sign in")


class PasswordForm(FlaskForm):
    """The current password, and a new one twice."""

    current_password = PasswordField(
        "Current password",
        validators=[InputRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    new_password = PasswordField(
        "New password",
        validators=[InputRequired(), Length(min=8, message="At least 8 characters.")],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "New password again",
        validators=[InputRequired(), EqualTo("new_password", message="The passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Change password")


class ScoreForm(FlaskForm):
    """A new score. The score fields carry no validators: validate_score judges them."""

    entity = StringField("Entity", render_kw={"list": "entity-options", "autocomplete": "off"})
    project = StringField("Project", render_kw={"list": "project-options", "autocomplete": "off"})
    prediction_id = StringField("Prediction ID")
    scorer = StringField(
        "Scorer",
        render_kw={
            "list": "scorer-options",
            "autocomplete": "off",
            "placeholder": "weave:///entity/project/op/name:v1",
        },
    )
    value_type = SelectField("Value type", choices=VALUE_TYPES, default="json")
    value = TextAreaField("Value", render_kw={"rows": 6, "spellcheck": "false"})
    evaluation_run_id = StringField("Evaluation run ID (optional)")
    submit = SubmitField("Add score")


class FilterForm(FlaskForm):
    """The project page's filters, read from the query string (no CSRF on GET)."""

    class Meta:
        csrf = False

    scorer = StringField("Scorer", render_kw={"list": "scorer-options"})
    prediction_id = StringField("Prediction ID")
    evaluation_run_id = StringField("Evaluation run")
    author = StringField("Author")
    source = SelectField(
        "Source",
        default="",
        choices=[SelectChoice("", "Any")] + [SelectChoice(s, s) for s in SOURCES],
    )
    since = StringField("From (UTC)", render_kw={"type": "datetime-local"})
    until = StringField("Until (UTC)", render_kw={"type": "datetime-local"})
    size = SelectField(
        "Per page", default="50", choices=[SelectChoice(str(n), str(n)) for n in PAGE_SIZES]
    )
    sort = SelectField(
        "Order",
        choices=[SelectChoice("new", "Newest first"), SelectChoice("old", "Oldest first")],
        default="new",
    )


class ConfirmForm(FlaskForm):
    """A bare form for CSRF-protected buttons: delete, revoke, sign out."""

    submit = SubmitField("Confirm")


class KeyForm(FlaskForm):
    """Create an API key. The label carries no validators: services.keys judges it."""

    label = StringField(
        "Label (optional)", render_kw={"placeholder": "e.g. CI or laptop", "autocomplete": "off"}
    )
    submit = SubmitField("Create a key")
