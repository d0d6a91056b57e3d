"""The students' handout (`python -m compare report --handout`): the lesson's questions, the backward
template to fill in, and how to check it. It holds no answer, no result and no verdict: nothing is trained.

The questions are the report's own (`content.question_blocks`), stated with the same epochs and loss
interval; the template is the package's `examples/backprop_template.py` (`backprop_template_zh.py` in Chinese;
installed as compare/examples/), written beside the page as backprop_template.py in either language. A language
without a template is refused (`template_text` returns None): a handout is never written without the file it
asks students to fill in.
"""

from __future__ import annotations

from compare.reporting.answers import examples_dir
from compare.reporting.content import SECTIONS, font_help, question_blocks
from compare.reporting.document import Block, Code, Contents, Heading, Para
from compare.reporting.text_en import TEXT as EN
from compare.reporting.text_zh import TEXT as ZH

TEMPLATE = "backprop_template.py"           # its name beside the handout
TEMPLATES = {"en": "backprop_template.py", "zh": "backprop_template_zh.py"}   # per language, in examples/
TEXTS = {"en": EN, "zh": ZH}


def template_text(lang: str) -> str | None:
    """The template students fill in, for `lang`; None when this language has none (or it is missing)."""
    folder = examples_dir()
    name = TEMPLATES.get(lang)
    path = None if folder is None or name is None else folder / name
    return path.read_text(encoding="utf-8") if path is not None and path.is_file() else None


def handout(lang: str, epochs: int, every: int, template: str) -> list[Block]:
    """The handout's blocks, in `lang`, around `template` (the file's text)."""
    t = TEXTS[lang]
    blocks: list[Block] = [Heading(1, t["handout_title"]), Para(t["handout_intro"]), *font_help(t),
                           Contents(t["contents"])]
    for section in SECTIONS:
        blocks += question_blocks(t, section, epochs, every)
    blocks += [Heading(2, t["handout_template_h"], "template"), Para(t["handout_template"].format(file=TEMPLATE))]
    blocks.append(Code(template))
    blocks += [Heading(2, t["handout_check_h"], "check"), Para(t["handout_check"]),
               Code(f"python -m compare check {TEMPLATE}", "cmd"), Para(t["handout_check_one"]),
               Code(f"python -m compare check {TEMPLATE} exercise3 --mode all", "cmd"),
               Para(t["handout_verdicts"]), Code(f"python -m compare explain hiring --update 1 --backward {TEMPLATE}",
                                                 "cmd"), Para(t["handout_explain"])]
    return blocks
