"""nbgrader settings for `make lab-instructor`: the course's own (grader/nbgrader_config.py).

`make lab-instructor` puts this folder on JUPYTER_CONFIG_PATH, where nbgrader's formgrader looks
for nbgrader_config.py.
"""
import os

load_subconfig("nbgrader_config.py",  # noqa: F821  (traitlets provides it)
               path=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
