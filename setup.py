"""The one thing pyproject.toml cannot say: the repository's examples/ folder installs as `compare.examples`.

The backward template and its solution, the layer template and solution, and the answer programs are what
`python -m compare report` and `report --handout` copy beside the page they write. They stay where a student
of the repository finds them (examples/), and travel in the wheel under compare/examples/ without a second
copy of any file. Everything else about the package is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

OURS = ["compare", "compare.*", "numpy_impl", "numpy_impl.*", "torch_impl", "torch_impl.*"]
EXAMPLES = ["compare.examples", "compare.examples.answers", "compare.examples.gradescope"]

setup(packages=find_namespace_packages(include=OURS, exclude=["*.__pycache__"]) + EXAMPLES,
      package_dir={"compare.examples": "examples"})
