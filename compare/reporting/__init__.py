"""`python -m compare report`: the seed's exercises answered, every number from a parity-checked run.

plan.py      which runs the report needs, and the command line that reproduces each one
runs.py      running them through the lockstep harness (`compare.lockstep.harness.run_parity`)
fonts.py     a CJK font for Chinese plot labels, found through matplotlib's font manager
figures.py   the report's plots (loss curves, seed bands, parity per update, decision maps)
text_en.py   the words, in English; text_zh.py: in Chinese
content.py   the document: questions, answers, commands, numbers, figures
document.py  the document model and its two renderings (Markdown, self-contained HTML)
"""
