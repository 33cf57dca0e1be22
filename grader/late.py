"""An example late-submission policy for nbgrader: 10% of the score per started day late, at most 50%.

Not enabled by default. To use it, uncomment the ``AssignLatePenalties.plugin_class`` line in
``grader/nbgrader_config.py``, give the assignment a due date in the gradebook and make sure each
submission folder has nbgrader's ``timestamp.txt`` (see docs/regrades-and-late.md), then grade
(``make autograde``) or regrade (``make regrade``). nbgrader's ``AssignLatePenalties`` step calls
:meth:`PerDayPenalty.late_submission_penalty` once per notebook, after the scores are saved, and
stores the result as the notebook's ``late_submission_penalty``; the exported score
(``reports/nbgrader_grades.csv``, ``reports/grades.csv``) is the score less that penalty.

The policy, stated once: a submission ``t`` seconds after the due date (the assignment's
``duedate`` plus the student's extension, if any) loses ``per_day`` of its score for every
started day (86400 s) after the first ``grace`` seconds, at most ``cap`` of it. With the
defaults: 1 second to 24 h late costs 10%, 24 h + 1 s to 48 h costs 20%, ..., 4 days + 1 s and
later cost 50%. The score it applies to is the notebook's whole score, manual grades included.
"""
from __future__ import annotations

import math

from nbgrader.plugins import LateSubmissionPlugin
from traitlets import Float

DAY = 86400.0  # seconds


def started_days(seconds_late: float, grace: float = 0.0) -> int:
    """Days late, each started day counting as a whole one (0 when not later than ``grace`` seconds)."""
    if seconds_late <= grace:
        return 0
    return math.ceil((seconds_late - grace) / DAY)


def penalty(score: float, seconds_late: float, per_day: float = 0.10, cap: float = 0.50, grace: float = 0.0) -> float:
    """Points to take off ``score`` for a submission ``seconds_late`` seconds after its due date.

    ``per_day`` and ``cap`` are fractions of the score (0.10 is 10%); ``grace`` is in seconds.
    Never negative and never more than ``cap * score``.
    """
    fraction = min(cap, per_day * started_days(seconds_late, grace))
    return round(max(score, 0.0) * fraction, 6)


def describe(seconds_late: float) -> str:
    """``93784`` -> ``1 d 2 h 3 min``: how late, for reports."""
    minutes = int(seconds_late // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days} d"] * bool(days) + [f"{hours} h"] * bool(hours) + [f"{minutes} min"] * bool(minutes)
    return " ".join(parts) or f"{seconds_late:.0f} s"


class PerDayPenalty(LateSubmissionPlugin):
    """nbgrader late-submission plugin: ``per_day`` of the score per started day late, at most ``cap``.

    Enable with ``c.AssignLatePenalties.plugin_class = "grader.late.PerDayPenalty"``; tune with
    ``c.PerDayPenalty.per_day``, ``c.PerDayPenalty.cap`` and ``c.PerDayPenalty.grace``.
    """

    per_day = Float(0.10, help="fraction of the score taken off per started day late").tag(config=True)
    cap = Float(0.50, help="the most that lateness can take off, as a fraction of the score").tag(config=True)
    grace = Float(0.0, help="seconds after the due date that cost nothing (upload delays)").tag(config=True)

    def late_submission_penalty(self, student_id: str, score: float, total_seconds_late: float) -> float:
        """The points ``student_id`` loses on a notebook that scored ``score``, ``total_seconds_late`` late."""
        points = penalty(score, total_seconds_late, self.per_day, self.cap, self.grace)
        days = started_days(total_seconds_late, self.grace)
        self.log.info("%s: %s late, %d started day(s) after %g s grace: -%g of %g points", student_id,
                      describe(total_seconds_late), days, self.grace, points, score)
        return points
