"""``make similarity``: a class with one renamed copy, one reordered copy and twenty independent
solutions of pool2d and pad2d (tests/students/similarity.py); only the copies are reported."""
from __future__ import annotations

import html
import itertools
import json
import os
import re
import subprocess
import sys

import mistune
import pytest

from course import ROOT, graded, hand_in, notebook, run_exercise, scratch_course, submission
from grader import cli, similarity
from grader.course import Course
from students import similarity as klass

COPIES = ("original", "renamed", "reordered")
INDEPENDENT = klass.INDEPENDENT_STUDENTS
ALL_PAIRS = {frozenset(p) for p in itertools.combinations(COPIES, 2)}
@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course where the 23 students each hand in both assignments, plus one who handed in the blank
    release, one who deleted the pool2d cell and one whose pad2d notebook is not JSON; then
    `python -m grader similarity` over it. Returns (root, {(assignment, exercise): result}, report text)."""
    root = scratch_course(tmp_path_factory.mktemp("similarity"))
    for exercise, assignment in klass.EXERCISES.items():
        for student, source in klass.sources(exercise).items():
            hand_in(root, student, assignment, submission(assignment, {exercise: source}))
        hand_in(root, "blank", assignment, notebook(assignment, "notebooks"))
    nb = notebook("01_sampling", "notebooks")
    nb.cells.remove(graded(nb, "pool2d"))
    hand_in(root, "deleted", "01_sampling", nb)
    hand_in(root, "broken", "05_padding_layers", '{"cells": [')
    results, path = similarity.run(Course(root), list(klass.EXERCISES.values()), progress=False, out=lambda line: None)
    return root, {(ex.assignment, ex.name): ex for ex in results}, path.read_text()


@pytest.mark.slow  # 46 exercises checked on every case: about 10 s, minutes on a loaded machine
def test_the_class_is_what_it_claims():
    """Every solution of the class is correct (it passes the exercise's visible and hidden checks), so the
    twenty independent ones are real solutions, not strawmen that differ because they are wrong."""
    for exercise, assignment in klass.EXERCISES.items():
        for student, source in klass.sources(exercise).items():
            try:
                run_exercise(assignment, exercise, source)
            except AssertionError as e:
                pytest.fail(f"{exercise} of {student} in tests/students/similarity.py is wrong: {e}")


@pytest.mark.parametrize("exercise", list(klass.EXERCISES))
def test_only_the_copies_are_reported(course, exercise):
    _, results, _ = course
    ex = results[(klass.EXERCISES[exercise], exercise)]
    reported = {frozenset((p.a.student, p.b.student)): p.score for p in ex.pairs}
    assert set(reported) == ALL_PAIRS, (
        f"{exercise}: expected exactly the copy pairs {sorted(map(sorted, ALL_PAIRS))}, "
        f"got {sorted((sorted(p), round(s, 2)) for p, s in reported.items())}")
    assert sorted(ex.compared) == sorted([*COPIES, *INDEPENDENT])
    assert ex.unattempted == (["blank", "deleted"] if exercise == "pool2d" else ["blank"]) and ex.short == []


@pytest.mark.parametrize("exercise", list(klass.EXERCISES))
def test_the_threshold_has_a_margin_on_both_sides(exercise):
    """The lowest copy scores and the highest independent pair stay at least 0.1 away from the threshold,
    so that a slightly different copy or a slightly closer pair of independent solutions lands the same."""
    cells, _, _ = similarity.prepare(klass.sources(exercise), klass.stub(exercise))
    copy, independent = [], []
    for a, b in itertools.combinations(cells, 2):
        score = similarity.compare(a, b).score
        (copy if {a.student, b.student} <= set(COPIES) else independent).append((score, a.student, b.student))
    low, high = min(copy), max(independent)
    print(f"\n{exercise}: lowest copy score {low[0]:.3f} ({low[1]}, {low[2]}); highest independent pair "
          f"{high[0]:.3f} ({high[1]}, {high[2]}); threshold {similarity.THRESHOLD}")
    assert low[0] >= similarity.THRESHOLD + 0.1, f"a copy scores too close to the threshold: {low}"
    assert high[0] <= similarity.THRESHOLD - 0.1, f"independent solutions score too close to the threshold: {high}"


def test_unattempted_exercises_are_not_compared(course):
    """The other exercises of both notebooks are still the release's stub for every student."""
    _, results, report = course
    for (_assignment, name), ex in results.items():
        if name in klass.EXERCISES:
            continue
        assert ex.pairs == [] and ex.compared == [] and ex.scores == [], f"{name} is unattempted by everyone"
        assert len(ex.unattempted) == 25
    assert "### downsample: 0 pairs to review" in report
    assert "- broken/05_padding_layers: not compared, " in report and "is not a valid notebook" in report


def test_starter_code_alone_never_matches():
    """A class skeleton from the release (GAPClassifier's: class line, docstring, two defs, super().__init__())
    is shared by every student; it is removed, so two different bodies in it do not match, while the same
    cells compared without removing it would."""
    assignment, name = "04_global_pooling", "GAPClassifier"
    starter = graded(notebook(assignment, "notebooks"), name).source
    todo = "        # YOUR CODE HERE\n        raise NotImplementedError()"
    first = starter.replace(todo, "        self.head = nn.Linear(in_channels, num_classes)\n"
                                  "        self.pool = nn.AdaptiveAvgPool2d(1)", 1)
    first = first.replace(todo, "        return self.head(self.pool(x).flatten(1))", 1)
    second = starter.replace(todo, "        self.weight = nn.Parameter(torch.randn(num_classes, in_channels)"
                                   " / in_channels ** 0.5)\n"
                                   "        self.bias = nn.Parameter(torch.zeros(num_classes))", 1)
    second = second.replace(todo, "        features = x.mean(dim=(2, 3))\n"
                                  "        return features @ self.weight.T + self.bias", 1)
    kept, unattempted, short = similarity.prepare({"first": first, "second": second, "blank": starter}, starter)
    assert unattempted == ["blank"]
    assert [c.student for c in kept] == ["first", "second"], f"too short: {short}"
    assert similarity.compare(*kept).score == 0.0
    assert not set(similarity.compare(*kept).shared_a), "no line of the skeleton may be marked as shared"
    without, _, _ = similarity.prepare({"first": first, "second": second}, "")
    assert similarity.compare(*without).score > 0.3, "the skeleton alone should have matched without its removal"


def test_trivially_short_cells_are_skipped():
    cells = {"a": "def relu(x, inplace=False):\n    return x.clamp(min=0)",
             "b": "def relu(x, inplace=False):\n    return x.clamp(min=0)"}
    starter = graded(notebook("06_activations", "notebooks"), "relu").source
    kept, unattempted, short = similarity.prepare(cells, starter)
    assert kept == [] and unattempted == [] and short == ["a", "b"]


def test_the_report_shows_both_cells_side_by_side(course):
    _, results, report = course
    assert "leads to review, never verdicts" in report
    assert f"scoring {similarity.THRESHOLD:.2f} or more are listed" in report
    assert "copydetect" in report and "0 too short to compare" in report
    section = report.split("### pool2d:")[1].split("\n### ")[0]
    headings = re.findall(r"^#### (\w+) and (\w+): score ([\d.]+)$", section, re.M)
    assert [frozenset(h[:2]) for h in headings] == [frozenset(("original", "renamed")),
                                                     frozenset(("original", "reordered")),
                                                     frozenset(("renamed", "reordered"))], headings
    assert [float(h[2]) for h in headings] == sorted((float(h[2]) for h in headings), reverse=True)
    # Rendered as CommonMark (GitHub) would: one table per pair, each cell's whole code in its own <pre>.
    rendered = mistune.html(report)
    tables = re.findall(r"<table>.*?</table>", rendered.split('<h3>pool2d')[1].split("<h3>")[0], re.S)
    assert len(tables) == 3
    pres = re.findall(r"<pre>(.*?)</pre>", tables[0], re.S)
    assert len(pres) == 2, "both cells, side by side in one table"
    for pre, student in zip(pres, headings[0][:2], strict=True):
        shown = html.unescape(re.sub(r"</?b>", "", pre))
        cell = klass.sources("pool2d")[student]
        for line in cell.splitlines():
            assert line.rstrip() in shown, f"line {line!r} of {student}'s cell is missing from the report"
        assert re.search(r"<b>\s+kh, kw = kernel_size</b>|<b>\s+a, b = kernel_size</b>", pre), \
            "shared lines are bold"


def test_report_escapes_html_in_code(tmp_path):
    source = ('def f(x):\n    """<script>alert(1)</script> & co"""\n\n'
              '    pairs = [(a, b) for a, b in x if a > 0 and b & 1]\n    return [a < b for a, b in pairs if a <= 2 * b]\n')
    cells, _, _ = similarity.prepare({"s1": source, "s2": source}, "")
    pair = similarity.compare(*cells)
    text = similarity.report([similarity.Exercise("a", "f", ["s1", "s2"], [], [], [pair.score], [pair])])
    assert "<script>" not in text and "&lt;script&gt;" in text and "a &lt; b" in text
    assert "\n\n" not in text.split("<table>")[1].split("</table>")[0], "a blank line would end the HTML block"


def test_a_converging_exercise_keeps_the_report_readable():
    """25 students with the same cell: 300 pairs. The report shows SHOWN of them with code, lists LISTED more
    by name, counts the rest, and says that this exercise's solutions converge."""
    cells = {f"s{i:02d}": klass.cell(klass.stub("pool2d"), klass.INDEPENDENT["pool2d"][0]) for i in range(25)}
    ex = similarity.compare_class("01_sampling", "pool2d", cells, klass.stub("pool2d"))
    assert len(ex.pairs) == 300
    text = similarity.report([ex])
    assert text.count("<table>") == similarity.SHOWN
    assert f"280 more pairs at or above the threshold, the {similarity.LISTED} highest here" in text
    assert len(re.findall(r"^\| s\d\d \| s\d\d \| 1\.00 \|$", text, re.M)) == similarity.LISTED
    assert "100% of this exercise's pairs score above the threshold: its solutions converge" in text


def test_scores_do_not_depend_on_the_hash_seed():
    """copydetect hashes with Python's hash(), salted per process; with every k-gram kept the scores are the same."""
    code = ("import itertools, json, sys\nsys.path.insert(0, 'tests')\n"
            "from grader import ROOT, similarity\nfrom grader.course import Course\nfrom students import similarity as klass\n"
            "starter = similarity.starter_cells(Course(ROOT), '05_padding_layers')['pad2d']\n"
            "cells = {str(i): klass.cell(starter, s) for i, s in enumerate([klass.ORIGINAL['pad2d'], "
            "klass.RENAMED['pad2d'], *klass.INDEPENDENT['pad2d']])}\n"
            "kept, _, _ = similarity.prepare(cells, starter)\n"
            "print(json.dumps([similarity.compare(a, b).score for a, b in itertools.combinations(kept, 2)]))")
    runs = [subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}) for seed in ("1", "2")]
    for r in runs:
        assert r.returncode == 0, r.stderr
    assert json.loads(runs[0].stdout) == json.loads(runs[1].stdout)


def test_the_command(course, capsys):
    root, _, _ = course
    assert cli.main(["--root", str(root), "similarity", "05_padding_layers"]) == 0
    out = capsys.readouterr().out
    assert "05_padding_layers pad2d: 3 pairs to review (23 compared, 1 unattempted, 0 too short)" in out
    assert f"wrote {root / 'reports' / 'similarity.md'} (3 pairs at or above 0.65)" in out
    assert cli.main(["--root", str(root), "similarity", "09_nothing"]) == 2
    assert "unknown assignment '09_nothing'" in capsys.readouterr().err
    assert cli.main(["--root", str(root), "similarity", "--threshold", "65"]) == 2
    assert "threshold 65.0 is not a score" in capsys.readouterr().err
