"""What the cards call things, derived from the digest: a paper's short name, the language a
paper's digest is written in, and the labels the builder writes into fields in that language.
The templates carry their own prompts in both languages and show the one the note's ``Lang`` names.
"""

# ruff: noqa: RUF001  (Chinese text is written with Chinese punctuation)

from __future__ import annotations

import re
from functools import cache

from ..model import ZH_LABELS, Paper, PointKind

#: longest short name, in characters: the longest front ("Previous Research and New Ideas ·
#: YYYY-MM-DD" and "What is new in NAME over earlier work?") then stays under 110 characters
SHORT_NAME_MAX = 44

#: the point labels in Chinese: the parser's vocabulary, as the bilingual pages label them
_ZH_LABELS = ZH_LABELS
_TEXT_FLOWCHART = {"en": "Flowchart (text)", "zh": "流程图（文字）"}

#: (compiled when first needed: its wide ranges take milliseconds, a daily run's time for nothing
#: when the text has no character from U+3000 up)
_CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef]"
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


#: a name: a word with two or more capitals or digits (LUFFY, C3PO, FlashVDM, Seaweed-7B)
#: (the capital first, then the look behind it: a pattern that starts with a letter is searched for
#: that letter, one that starts with a look-behind tries every position, three times slower)
_NAME_RE = re.compile(r"[A-Z](?<![\w-][A-Z])[A-Za-z0-9]*(?:-[A-Za-z0-9]+)*(?![\w-])")
#: acronyms every paper uses: never a paper's own name
_GENERIC_NAMES = frozenset(
    [
        "AI",
        "AGI",
        "API",
        "CNN",
        "CNNs",
        "CoT",
        "CPU",
        "GAN",
        "GPU",
        "GPUs",
        "GPT",
        "LLM",
        "LLMs",
        "LMM",
        "LMMs",
        "LM",
        "LMs",
        "MLLM",
        "MLLMs",
        "MoE",
        "ML",
        "NLP",
        "QA",
        "RAG",
        "RL",
        "RLHF",
        "SFT",
        "SOTA",
        "VAE",
        "VLA",
        "VLM",
        "VLMs",
        "ViT",
        "ViTs",
    ]
)
#: "PRESELECT-selected", "LLM-based": the name is the part before
_ADJECTIVE_SUFFIX_RE = re.compile(
    r"-(?:based|selected|trained|like|style|free|aware|level|scale|wise|driven|guided|generated|specific)$"
)
#: words that introduce a paper's own name a little before it
_INTRODUCED_RE = re.compile(r"(?:propos\w*|introduc\w*|present\w*|called|named|dubbed)\W+(?:\w+\W+){0,3}$")
#: a title's head of this many words or more is a phrase, not a name
PHRASE_WORDS = 3


def paper_short_name(paper: Paper) -> str:
    """The cue a paper's cards use: :func:`short_name` of its title when that is a name; when it is
    a phrase ("Learning to Reason under Off-Policy Guidance"), the name its questions and points
    call it by (LUFFY), if they use one at least twice."""
    head = short_name(paper.title)
    if len(head.split()) < PHRASE_WORDS:
        return head
    return _name_in_text(paper) or head


def _name_in_text(paper: Paper) -> str | None:
    """The name the paper's questions and points use for it: the one they introduce ("proposes
    PRESELECT", "the proposed FlashVDM") or use most, at least twice; one its questions use first."""
    questions = " ".join(question.text for question in paper.questions)
    scores: dict[str, int] = {}
    for text in (questions, *paper.points.values()):
        for match in _NAME_RE.finditer(text):
            name = _ADJECTIVE_SUFFIX_RE.sub("", match.group())
            if name in _GENERIC_NAMES or sum(c.isupper() or c.isdigit() for c in name) < 2:
                continue
            introduced = _INTRODUCED_RE.search(text[max(0, match.start() - 30) : match.start()])
            scores[name] = scores.get(name, 0) + (3 if introduced else 1)
    named = [name for name in scores if scores[name] >= 2 and len(name) <= SHORT_NAME_MAX]
    in_questions = [name for name in named if name in questions]
    best = sorted(in_questions or named, key=lambda name: -scores[name])
    return best[0] if best else None


#: the bytes that begin no UTF-8 character from U+3000 up (those begin with 0xE3 to 0xF4; the
#: bytes that continue a character are 0x80 to 0xBF): what is left of a text without them
_BELOW_U3000 = bytes(range(0xE3))


def paper_language(paper: Paper) -> str:
    """``zh`` when the paper's points and questions are mostly Chinese, else ``en``. (Titles stay
    English on the Chinese side of bilingual pages, so only what the digest wrote counts.)"""
    texts = [*paper.points.values()]
    for question in paper.questions:
        texts.append(question.text)
        texts.extend(question.options)
    text = "".join(texts)
    if not text.encode("utf-8", "surrogatepass").translate(None, _BELOW_U3000):
        return "en"  # no character a Chinese text is made of (1.5 µs a paper; max(text) took 45)
    letters = sum(map(str.isalpha, text))  # (as fast as a walk over every character gets)
    cjk = len(_cjk_re().findall(text))
    return "zh" if letters and cjk * 5 >= letters else "en"


@cache
def _cjk_re() -> re.Pattern[str]:
    return re.compile(_CJK)


def point_label(kind: PointKind, lang: str) -> str:
    return _ZH_LABELS[kind] if lang == "zh" else kind.label


def text_flowchart_summary(lang: str) -> str:
    return _TEXT_FLOWCHART.get(lang, _TEXT_FLOWCHART["en"])
