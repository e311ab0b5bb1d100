"""The two note types, a contract with users: their names, ids and field orders never change
under the same id (a change of fields means a new id and a new version in the name).
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import genanki

from ..model import PointKind

PAPER_MODEL_ID = 1744601234501
MCQ_MODEL_ID = 1744601234502
PAPER_MODEL_NAME = "FlashDigest Paper"
MCQ_MODEL_NAME = "FlashDigest MCQ"

PAPER_FIELDS = (
    "Title",
    "Link",
    "Published",
    "DigestDate",
    *(kind.field_name for kind in PointKind),
    "Flowchart",
    "Extra",
)
MCQ_FIELDS = ("Question", "Choices", "Answer", "Paper", "Link", "DigestDate", "Extra")


def _template(name: str) -> str:
    return resources.files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


def _with_script(template: str, placeholder: str, script_name: str) -> str:
    """``template`` with the script ``script_name`` inlined at ``%placeholder%``: a card may load
    nothing from outside, and Anki would read ``{{`` in a script as a field, so none may appear."""
    script = _template(script_name).strip()
    if "{{" in script or "}}" in script:
        raise ValueError(f"{script_name} contains '{{{{' or '}}}}', which Anki reads as a field")
    return template.replace(f"%{placeholder}%", script)


def mcq_front_template() -> str:
    return _with_script(_template("mcq_front.html"), "MCQ_SCRIPT", "mcq.js")


def _paper_templates() -> list[dict[str, str]]:
    """One card template per summary point; a card exists only when its point does."""
    front = _template("paper_front.html")
    back = _with_script(_template("paper_back.html"), "ZOOM_SCRIPT", "zoom.js")
    templates = []
    for kind in PointKind:
        question = kind.question.replace("{title}", "<i>{{Title}}</i>")
        fill = {"FIELD": kind.field_name, "LABEL": kind.label, "QUESTION": question}
        templates.append(
            {
                "name": f"{kind.position}. {kind.label}",
                "qfmt": _fill(front, fill),
                "afmt": _fill(back, fill),
            }
        )
    return templates


def _fill(template: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        template = template.replace(f"%{key}%", value)
    return template


@cache
def paper_model() -> genanki.Model:
    return genanki.Model(
        PAPER_MODEL_ID,
        PAPER_MODEL_NAME,
        fields=[{"name": name} for name in PAPER_FIELDS],
        templates=_paper_templates(),
        css=_template("cards.css"),
        sort_field_index=0,
    )


@cache
def mcq_model() -> genanki.Model:
    return genanki.Model(
        MCQ_MODEL_ID,
        MCQ_MODEL_NAME,
        fields=[{"name": name} for name in MCQ_FIELDS],
        templates=[
            {
                "name": "Multiple choice",
                "qfmt": mcq_front_template(),
                "afmt": _template("mcq_back.html"),
            }
        ],
        css=_template("cards.css"),
        sort_field_index=0,
    )
