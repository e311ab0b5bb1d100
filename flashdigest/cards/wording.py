"""What the cards call things, derived from the digest: a paper's short name, the language a
paper's digest is written in, and the labels the builder writes into fields in that language.
The templates carry their own prompts in both languages and show the one the note's ``Lang`` names.
"""

# ruff: noqa: RUF001  (Chinese text is written with Chinese punctuation)

from __future__ import annotations

import re

from ..model import ZH_LABELS, Paper, PointKind

LANGUAGES = ("en", "zh")
#: longest short name, in characters: the longest front ("Previous Research and New Ideas ·
#: YYYY-MM-DD" and "What is new in NAME over earlier work?") then stays under 110 characters
SHORT_NAME_MAX = 44

#: the point labels in Chinese: the parser's vocabulary, as the bilingual pages label them
_ZH_LABELS = ZH_LABELS
_TEXT_FLOWCHART = {"en": "Flowchart (text)", "zh": "流程图（文字）"}

_CJK_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]")
_COLON_RE = re.compile(r"\s*(?::\s|：)")
_SPACE_RE = re.compile(r"\s+")


def short_name(title: str) -> str:
    """The title before its first colon ("Seaweed-7B" of "Seaweed-7B: Cost-Effective ..."), else
    the whole title; cut at a word boundary, with an ellipsis, past :data:`SHORT_NAME_MAX`."""
    title = _SPACE_RE.sub(" ", title).strip()
    head = _COLON_RE.split(title, maxsplit=1)[0].strip() or title
    if head.endswith((":", "：")) and len(head) > 1:
        head = head[:-1].rstrip()
    if len(head) <= SHORT_NAME_MAX:
        return head
    cut = head[: SHORT_NAME_MAX - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;-") + "…"


def paper_language(paper: Paper) -> str:
    """``zh`` when the paper's points and questions are mostly Chinese, else ``en``. (Titles stay
    English on the Chinese side of bilingual pages, so only what the digest wrote counts.)"""
    texts = [*paper.points.values()]
    for question in paper.questions:
        texts.append(question.text)
        texts.extend(question.options)
    text = "".join(texts)
    letters = sum(1 for char in text if char.isalpha())
    cjk = len(_CJK_RE.findall(text))
    return "zh" if letters and cjk * 5 >= letters else "en"


def point_label(kind: PointKind, lang: str) -> str:
    return _ZH_LABELS[kind] if lang == "zh" else kind.label


def text_flowchart_summary(lang: str) -> str:
    return _TEXT_FLOWCHART.get(lang, _TEXT_FLOWCHART["en"])
