"""The students' handout (`python -m compare report --handout`): the lesson's questions, the backward
template to fill in, and how to check it. It holds no answer, no result and no verdict: nothing is trained.

The questions are the report's own (`content.question_blocks`), stated with the same epochs and loss
interval; the template is the repository's `examples/backprop_template.py`, also written beside the page.
"""

from __future__ import annotations

from compare.reporting.answers import examples_dir
from compare.reporting.content import SECTIONS, question_blocks
from compare.reporting.document import Block, Code, Contents, Heading, Para
from compare.reporting.text_en import TEXT as EN
from compare.reporting.text_zh import TEXT as ZH

TEMPLATE = "backprop_template.py"
TEXTS = {"en": EN, "zh": ZH}


def template_text() -> str | None:
    folder = examples_dir()
    path = None if folder is None else folder / TEMPLATE
    return path.read_text(encoding="utf-8") if path is not None and path.is_file() else None


def handout(lang: str, epochs: int, every: int) -> list[Block]:
    """The handout's blocks, in `lang`."""
    t = TEXTS[lang]
    blocks: list[Block] = [Heading(1, t["handout_title"]), Para(t["handout_intro"]), Contents(t["contents"])]
    for section in SECTIONS:
        blocks += question_blocks(t, section, epochs, every)
    blocks += [Heading(2, t["handout_template_h"], "template"), Para(t["handout_template"].format(file=TEMPLATE))]
    template = template_text()
    blocks.append(Code(template) if template is not None else Para(t["handout_no_template"], note=True))
    blocks += [Heading(2, t["handout_check_h"], "check"), Para(t["handout_check"]),
               Code(f"python -m compare check {TEMPLATE}", "cmd"), Para(t["handout_check_one"]),
               Code(f"python -m compare check {TEMPLATE} exercise3 --mode all", "cmd"),
               Para(t["handout_verdicts"]), Code(f"python -m compare explain hiring --update 1 --backward {TEMPLATE}",
                                                 "cmd"), Para(t["handout_explain"])]
    return blocks
