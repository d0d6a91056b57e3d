"""Diagnosis: what one update computed, stage by stage (`stages`), the first stage where two records
disagree (`stagecheck`), naming a parameter and its neighbours (`failure`), and what a wrong number's pattern
suggests (`hints`).

May import `compare.running` and below.
"""
