"""`python -m compare report`: the seed's exercises answered, every number from a parity-checked run;
`report --handout`: the students' sheet, without answers.

plan.py        which runs the report needs, and the command line that reproduces each one
runs.py        running them through the lockstep harness (`compare.lockstep.harness.run_parity`)
per_update.py  the loss after every update of a run's first epochs (where the seeds' randomness lives)
answers.py     the corrected programs (examples/answers/): shown, copied, the command that reproduces them
fonts.py       a CJK font for Chinese plot labels (Simplified-Chinese sans-serif first)
figures.py     the line plots (loss curves, the seeds' spread, parity per update); maps.py: decision maps;
               captions.py: captions made from what a figure draws
text_en.py     the words, in English; text_zh.py: in Chinese
content.py     the report's building blocks: questions, runs, figures; sections.py: the report in order
handout.py     the handout: questions, template, how to check it
document.py    the document model and its two renderings (Markdown, self-contained HTML); style.py: its CSS
derivation.py  docs/derivation.md, the first update by hand (derivation_text.py: its words); plots.py:
               matplotlib without a display
"""
