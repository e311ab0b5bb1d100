"""The three note types, a contract with users: their names, ids and field orders never change
under the same id (a change of fields means a new id and a new version in the name). Version 1
(``FlashDigest Paper`` 1744601234501, ``FlashDigest MCQ`` 1744601234502) had the same fields
without ``ShortName`` and ``Lang``; its notes keep working in collections that have them.
"""

# ruff: noqa: RUF001  (Chinese text is written with Chinese punctuation)

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from ..model import PointKind
from .anki_notes import CLOZE, Model
from .wording import point_label

PAPER_MODEL_ID = 1744601234511
MCQ_MODEL_ID = 1744601234512
CLOZE_MODEL_ID = 1744601234513
PAPER_MODEL_NAME = "FlashDigest Paper v2"
MCQ_MODEL_NAME = "FlashDigest MCQ v2"
CLOZE_MODEL_NAME = "FlashDigest Cloze"

PAPER_FIELDS = (
    "Title",
    "Link",
    "Published",
    "DigestDate",
    *(kind.field_name for kind in PointKind),
    "Flowchart",
    "Extra",
    "ShortName",
    "Lang",
)
MCQ_FIELDS = ("Question", "Choices", "Answer", "Paper", "Link", "DigestDate", "Extra", "ShortName", "Lang")
CLOZE_FIELDS = ("Text", "Title", "ShortName", "Link", "DigestDate", "Point", "Lang", "Extra")

#: one question per point, about the paper by its short name (``NAME``), in English and Chinese
PROMPTS = {
    PointKind.TOPIC: ("What is NAME about?", "NAME 讲的是什么？"),
    PointKind.PRIOR_WORK: ("What is new in NAME over earlier work?", "与先前研究相比，NAME 新在哪里？"),
    PointKind.PROBLEM: ("What problem does NAME address?", "NAME 要解决什么问题？"),
    PointKind.METHODS: ("What method does NAME use?", "NAME 用了什么方法？"),
    PointKind.RESULTS: ("What results does NAME report?", "NAME 报告了哪些结果？"),
}
#: the flowchart shows on one card of a paper: Methods, else the first present of these
_FLOWCHART_CARD_ORDER = (
    PointKind.METHODS,
    PointKind.RESULTS,
    PointKind.PROBLEM,
    PointKind.PRIOR_WORK,
    PointKind.TOPIC,
)


#: the templates, scripts and CSS, package data beside this module (read from the file system:
#: importlib.resources, which also serves zipped packages, cost every run 4 ms of imports)
TEMPLATES = Path(__file__).resolve().parent / "templates"


def _template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def _with_script(template: str, placeholder: str, script_name: str) -> str:
    """``template`` with the script ``script_name`` inlined at ``%placeholder%``: a card may load
    nothing from outside, and Anki would read ``{{`` in a script as a field, so none may appear."""
    script = _template(script_name).strip()
    if "{{" in script or "}}" in script:
        raise ValueError(f"{script_name} contains '{{{{' or '}}}}', which Anki reads as a field")
    return template.replace(f"%{placeholder}%", script)


def mcq_front_template() -> str:
    return _with_script(_template("mcq_front.html"), "MCQ_SCRIPT", "mcq.js")


def flowchart_block(kind: PointKind) -> str:
    """The flowchart on ``kind``'s back when it is the paper's flowchart card, else nothing:
    the cards before ``kind`` in :data:`_FLOWCHART_CARD_ORDER` must all be absent."""
    earlier = _FLOWCHART_CARD_ORDER[: _FLOWCHART_CARD_ORDER.index(kind)]
    block = _template("flowchart.html").strip()
    for other in reversed(earlier):
        block = f"{{{{^{other.field_name}}}}}{block}{{{{/{other.field_name}}}}}"
    return block


def _paper_templates() -> list[dict[str, str]]:
    """One card template per summary point; a card exists only when its point does."""
    front = _template("paper_front.html")
    back = _with_script(_template("paper_back.html"), "ZOOM_SCRIPT", "zoom.js")
    templates = []
    for kind in PointKind:
        english, chinese = (prompt.replace("NAME", "<i>{{ShortName}}</i>") for prompt in PROMPTS[kind])
        fill = {
            "FIELD": kind.field_name,
            "LABEL": kind.label,
            "LABEL_ZH": point_label(kind, "zh"),
            "QUESTION": english,
            "QUESTION_ZH": chinese,
            "FLOWCHART": flowchart_block(kind),
        }
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


def _any_shown(fields: tuple[str, ...], shown: tuple[str, ...]) -> list[list[Any]]:
    """The req of a one-template note type whose card exists when any field its front shows,
    ``shown``, is filled."""
    return [[0, "any", [fields.index(name) for name in shown]]]


@cache
def paper_model() -> Model:
    return Model(
        PAPER_MODEL_ID,
        PAPER_MODEL_NAME,
        fields=[{"name": name} for name in PAPER_FIELDS],
        templates=_paper_templates(),
        css=_template("cards.css"),
        sort_field_index=0,
        # a point's card needs its point (its front shows nothing else of the note alone)
        req=[
            [ordinal, "all", [PAPER_FIELDS.index(kind.field_name)]] for ordinal, kind in enumerate(PointKind)
        ],
    )


@cache
def mcq_model() -> Model:
    return Model(
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
        req=_any_shown(MCQ_FIELDS, ("Question", "Choices", "DigestDate", "ShortName", "Lang")),
        sort_field_index=0,
    )


@cache
def cloze_model() -> Model:
    return Model(
        CLOZE_MODEL_ID,
        CLOZE_MODEL_NAME,
        fields=[{"name": name} for name in CLOZE_FIELDS],
        templates=[
            {
                "name": "Figure",
                "qfmt": _template("cloze_front.html"),
                "afmt": _template("cloze_back.html"),
            }
        ],
        css=_template("cards.css"),
        model_type=CLOZE,
        # (Anki makes a cloze note's cards from its clozes; genanki writes this req all the same)
        req=_any_shown(CLOZE_FIELDS, ("ShortName", "DigestDate", "Point", "Lang")),
        sort_field_index=0,
    )


def all_models() -> tuple[Model, ...]:
    return (paper_model(), mcq_model(), cloze_model())
