#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image. The autograder zip holds this
# folder's files at its top level and the project (this repository, as cloned) in backprop/ next to them:
#
#   autograder.zip: setup.sh  run_autograder  rubric.toml  backprop/{pyproject.toml, compare/, ...}
#
# It installs Python 3.11 and the project into /autograder/venv. Without torch the submissions are judged
# against the project's own NumPy backprop (checked equal to torch by the project's tests), which is what
# keeps each submission's grading to about a second; add torch to judge against it live.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
if ! command -v python3.11 >/dev/null; then
    apt-get update
    apt-get install -y software-properties-common
    add-apt-repository -y ppa:deadsnakes/ppa
    apt-get update
    apt-get install -y python3.11 python3.11-venv
fi
python3.11 -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install --upgrade pip
"$ROOT/venv/bin/pip" install "$ROOT/source/backprop[sandbox]"   # [sandbox]: bubblewrap for each submission
# "$ROOT/venv/bin/pip" install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu   # live torch
