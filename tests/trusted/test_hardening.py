"""One student cannot knock the trusted side over, and flags are fair (issue 18, items 5 to 7): absurd replies,
huge messages and outputs, files a student's code writes, a feedback page that fails, script in outputs,
hidden inputs salted with a course secret, flagged exercises in formgrader's queue."""
import json
import os
import re
import stat

import nbformat
import pytest
import torch
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output, new_raw_cell
from nbgrader.preprocessors import LimitOutput, SaveAutoGrades

from grader import ROOT, jobs, manual, pipeline, report
from grader.course import Course
from grader.exercises import spec
from grader.jobs import Result
from grader.runtime import engine, wire
from grader.runtime.cases import Call, Rand, build
from grader.trusted import results, secret
from grader.trusted.limits import CapOutputs, SanitizeOutputs
from grader.trusted.review import ReviewFlags

HUGE = "x" * 1_000_000


# -- 1. absurd replies fail their exercise, never the grader -------------------------------------------------


@pytest.mark.parametrize("shape", [[0, 2**63], [2**62, 2**62], [0, 2**62, 2**62], [0, 2**100], [-1], [True], [0.5],
                                   [0] * 17, list(range(10**5))])
def test_absurd_tensor_shapes_are_wire_errors(shape):
    with pytest.raises(wire.WireError) as e:
        wire.loads(json.dumps({"__tensor__": ["float32", shape, ""]}))
    assert len(str(e.value)) < 300


@pytest.mark.parametrize("text", ["[" * 10_000 + "]" * 10_000, '{"__tuple__":' * 10_000 + "[]" + "}" * 10_000,
                                  "1" * 5000, json.dumps({HUGE: 1}), json.dumps({"__tensor__": [HUGE, [1], ""]})])
def test_deep_huge_or_odd_replies_are_short_wire_errors(text):
    with pytest.raises(wire.WireError) as e:
        wire.loads(text)
    assert len(str(e.value)) < 300


def test_anything_the_decoder_did_not_foresee_is_a_wire_error(monkeypatch):
    def boom(spec):
        raise MemoryError()
    monkeypatch.setattr(wire, "_decode_tensor", boom)
    with pytest.raises(wire.WireError, match="MemoryError"):
        wire.loads('{"__tensor__": ["float32", [1], "AAAAAA=="]}')


def test_a_reply_with_an_absurd_tensor_is_a_wire_error():
    with pytest.raises(wire.WireError):
        wire.loads(json.dumps({"__dict__": [["results", [{"__tensor__": ["float64", [0, 2**63], ""]}]]]}))


class Hostile(dict):
    """A result that breaks whoever reads it."""

    def get(self, *args):
        raise RecursionError("maximum recursion depth exceeded")


def test_a_reply_that_cannot_be_judged_fails_its_exercise_only():
    ex = spec("06_activations", "relu")
    verdict = engine.run(ex, lambda name, probe, payloads: [Hostile() for _ in payloads])
    assert verdict.status == "error" and verdict.score == 0
    assert verdict.message.startswith("the reply could not be judged: RecursionError")


# -- 2. student text is capped ---------------------------------------------------------------------------


def test_messages_are_capped_wherever_they_are_set():
    ex = spec("06_activations", "relu")
    raised = {"status": "raised", "type": "RuntimeError", "message": HUGE}
    verdict = engine.run(ex, lambda name, probe, payloads: [raised for _ in payloads])
    rec = verdict.record()
    texts = [rec["message"]] + [g["message"] for g in rec["groups"].values() if g["message"]]
    assert texts and all(len(t) <= wire.MAX_CHARS + 50 and "more characters cut)" in t for t in texts)
    assert len(engine.Verdict.of(ex, "error", HUGE).message) <= wire.MAX_CHARS + 50
    flags = results.record("06_activations", "s", [verdict], {"relu": [HUGE]})["integrity_flags"]
    assert len(flags[0]["line"]) <= wire.MAX_CHARS + 50 and flags[0]["line"].startswith("xxx")


def test_cap_marks_what_it_cut():
    assert wire.cap("short") == "short"
    assert wire.cap("a" * 10, 4) == "aaaa… (6 more characters cut)"


def test_a_cell_that_prints_40_mb_stays_small():
    error = new_output("error", ename="ValueError", evalue=HUGE, traceback=[HUGE] * 3)
    result = new_output("execute_result", data={"text/plain": HUGE, "text/html": HUGE}, execution_count=1)
    pictures = [new_output("display_data", data={"image/png": "A" * 100_000, "text/plain": "<Figure>"})] * 100
    cell = new_code_cell("print('x' * 40_000_000)", outputs=[
        new_output("stream", name="stdout", text="x" * 40_000_000), error, result, *pictures])
    nb = new_notebook(cells=[cell])
    LimitOutput().preprocess(nb, {})
    assert len(cell.outputs[0].text) == 40_000_000  # nbgrader's LimitOutput counts lines: one line is not cut
    CapOutputs(max_cell_chars=1_000_000).preprocess(nb, {})
    assert len(nbformat.writes(nb)) < 1_100_000
    kinds = [o.output_type for o in cell.outputs]
    assert kinds[:3] == ["stream", "error", "execute_result"] and "display_data" in kinds  # the score's outputs stay
    assert "more outputs cut" in cell.outputs[-1].text and len(cell.outputs[1].evalue) <= 10_100
    many = new_notebook(cells=[new_code_cell("show()", outputs=pictures[:5]) for _ in range(10)])
    CapOutputs(max_notebook_chars=1_000_000).preprocess(many, {})
    assert len(nbformat.writes(many)) < 1_100_000  # many cells: the notebook's budget


def test_the_course_config_caps_sanitizes_and_queues_flags():
    order = list(jobs.base_config().Autograde.autograde_preprocessors)
    names = [p.__name__ for p in order]
    assert names[names.index("LimitOutput") + 1:names.index("LimitOutput") + 3] == ["CapOutputs", "SanitizeOutputs"]
    assert names[names.index("SaveAutoGrades") + 1] == "ReviewFlags"


# -- 3. only the submission's own files come back from a job -------------------------------------------------


def test_a_job_returns_only_the_submissions_own_files(tmp_path):
    folder = tmp_path / "autograded"
    folder.mkdir()
    (folder / "01_sampling.ipynb").write_text("{}")
    (folder / "timestamp.txt").write_text("2024-01-01 10:00:00")
    (folder / "zz_notes.ipynb").write_text("{}")  # the student's code wrote it
    (tmp_path / "gradebook.db").write_text("secret")
    os.symlink(tmp_path / "gradebook.db", folder / "02_extra.ipynb")  # a name of the submission, as a link
    names = ["01_sampling.ipynb", "02_extra.ipynb", "timestamp.txt", "gone.ipynb"]
    assert jobs.returned(folder, names) == {"01_sampling.ipynb": b"{}", "timestamp.txt": b"2024-01-01 10:00:00"}


# -- a course with a gradebook (items 4 and 7) ----------------------------------------------------------

A = NB = "06_activations"
STUDENTS = ["alice", "bob"]


def grade_cell(name, outputs):
    return new_code_cell(f'check("{name}", {name})', outputs=outputs, metadata={"nbgrader": {
        "grade": True, "grade_id": f"test_{name}", "points": 2, "solution": False, "locked": True, "schema_version": 3}})


def graded(root, flagged, student="alice"):
    """Autograde's last steps on a notebook whose relu failed (flagged) and sigmoid passed; what nbgrader's
    SaveAutoGrades alone marked "needs manual grade"."""
    nb = new_notebook(cells=[
        new_code_cell("def relu(x):\n    return x.clamp(min=0)"),
        grade_cell("relu", [new_output("error", ename="AssertionError", evalue="tampering", traceback=[])]),
        grade_cell("sigmoid", [new_output("stream", name="stdout", text="sigmoid: 2 of 2 points (pass)\n")])])
    resources = {"nbgrader": {"notebook": NB, "assignment": A, "student": student, "db_url": Course(root).db_url},
                 "course_flagged": flagged}
    SaveAutoGrades().preprocess(nb, resources)
    before = needs_manual(root, student)
    ReviewFlags().preprocess(nb, resources)
    folder = root / "autograded" / student / A
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{NB}.ipynb")
    return before


def needs_manual(root, student="alice") -> dict:
    """Test cell -> ("needs manual grade", manual score) in the gradebook."""
    from nbgrader.api import Gradebook
    with Gradebook(Course(root).db_url) as gb:
        return {g.name: (g.needs_manual_grade, g.manual_score) for g in gb.find_submission_notebook(NB, A, student).grades}


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A course root whose gradebook has relu and sigmoid test cells and a submission of each student."""
    from nbgrader.api import Gradebook
    monkeypatch.delenv("GRADEBOOK_URL", raising=False)
    (tmp_path / ".nbgrader").mkdir()
    with Gradebook(Course(tmp_path).db_url) as gb:
        gb.add_assignment(A)
        gb.add_notebook(NB, A)
        for name in ("relu", "sigmoid"):
            gb.add_grade_cell(f"test_{name}", NB, A, max_score=2, cell_type="code")
        for student in STUDENTS:
            gb.add_student(student)
            gb.add_submission(A, student)
    return tmp_path


# -- 4. one student's feedback failure stops nobody's reports ------------------------------------------------


@pytest.mark.filterwarnings("ignore:Object of type")  # nbgrader's own add_submission
def test_a_feedback_failure_is_reported_and_every_report_is_written(course):
    for student in STUDENTS:
        graded(course, [], student)
    (course / "autograded" / "bob" / A / f"{NB}.ipynb").write_text("{not json")  # nbgrader cannot read it
    done = [Result(A, s, graded=True) for s in STUDENTS]
    problems = pipeline.feedback(Course(course), done)
    assert problems == ["bob/06_activations: feedback for bob could not be generated: "
                        "nbformat.reader.NotJSONError: Notebook does not appear to be JSON: '{not json'"]
    assert [p.parent.parent.name for p in (course / "feedback").glob(f"*/{A}/{NB}.html")] == ["alice"]
    report.write(Course(course), done, problems)
    assert [r["student_id"] for r in Course(course).grades()] == STUDENTS
    assert "feedback for bob could not be generated" in (course / "reports" / "class_report.md").read_text()


# -- 5. no student script reaches formgrader or a feedback page ----------------------------------------------

SCRIPTS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[x](javascript:alert(1))",
           "```mermaid\n<img src=x onerror=alert(1)>\n```", "$\\href{javascript:alert(1)}{x}$",
           "<!--><img src=x onerror=alert(1)>-->", "<svg onload=alert(1)>"]


def test_script_in_outputs_markdown_and_raw_cells_never_survives():
    data = {"text/plain": "<obj>", "text/html": "<b>bold</b><script>alert(1)</script><img src=x onerror=alert(1)>"
            "<img src='data:image/png;base64,AAAA'>", "application/javascript": "alert(1)",
            "text/javascript": "alert(1)", "application/vnd.jupyter.widget-view+json": {"model_id": "x"},
            "image/svg+xml": "<svg onload=alert(1)/>", "text/markdown": "[x](javascript:alert(1))", "image/png": "AAAA"}
    nb = new_notebook(cells=[
        new_code_cell("display(...)", outputs=[new_output("display_data", data=data),
                                               new_output("display_data", data={"application/javascript": "alert(1)"})]),
        *(new_markdown_cell(s) for s in SCRIPTS),
        new_raw_cell("<script>alert(1)</script><p onclick='alert(1)'>hi</p>", metadata={"raw_mimetype": "text/html"})],
        metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}}})
    SanitizeOutputs().preprocess(nb, {})
    kept = nb.cells[0].outputs[0].data
    assert sorted(kept) == ["image/png", "text/html", "text/plain"]
    assert kept["text/html"] == '<b>bold</b><img><img src="data:image/png;base64,AAAA">'
    assert "output removed" in nb.cells[0].outputs[1].data["text/plain"]
    assert all(c.source.startswith("*(This cell's HTML") for c in nb.cells[1:-1])
    assert nb.cells[-1].source == "<p>hi</p>" and "widgets" not in nb.metadata
    html = exported(nb)
    assert html.count("<script") == exported(new_notebook()).count("<script")  # the page's own only
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html, re.I) and 'href="javascript' not in html


def exported(nb) -> str:
    """The notebook as nbconvert's HTML export shows it (formgrader and feedback render the same way)."""
    from nbconvert import HTMLExporter
    return HTMLExporter(template_name="classic").from_notebook_node(nb)[0]


def test_the_courses_own_notebooks_pass_unchanged():
    for path in sorted((ROOT / "notebooks").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        before = nbformat.writes(nb)
        SanitizeOutputs().preprocess(nb, {})
        assert nbformat.writes(nb) == before, path


def test_plain_markdown_answers_stay_as_written():
    answer = ("Max pooling keeps the largest value, so `x < 0` regions vanish; see [the docs](https://pytorch.org) "
              "and $a_{i} < b$.\n\n| k | out |\n|:--|--:|\n| 2 | 3 |\n\n- [x] checked\n\n<br>")
    nb = new_notebook(cells=[new_markdown_cell(answer)])
    SanitizeOutputs().preprocess(nb, {})
    assert nb.cells[0].source == answer


# -- 6. hidden inputs come from the course secret ------------------------------------------------------------


def test_the_course_secret_is_made_once_private_and_ignored_by_git(tmp_path):
    value = secret.course_secret(tmp_path)
    path = tmp_path / ".nbgrader" / "course_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and value > 0
    assert secret.course_secret(tmp_path) == value and list(path.parent.iterdir()) == [path]
    assert secret.course_secret(tmp_path / "other") != value
    ignore = (ROOT / ".gitignore").read_text().splitlines()
    assert ".nbgrader/" in ignore


def payloads(checks, kind, random_only=False):
    return [c.payload for c in checks if c.label.startswith(kind) and (not random_only or type(c.case["x"]) is Rand)]


def same(a, b) -> bool:
    return all(torch.equal(x["kwargs"]["x"], y["kwargs"]["x"]) and x["upstream_seed"] == y["upstream_seed"]
               for x, y in zip(a, b, strict=True))


def test_the_salt_changes_hidden_inputs_only_and_regrades_repeat_them():
    ex = spec("06_activations", "relu")
    kinds = ("examples", "visible", "hidden")
    plain, a, a2, b = (engine.checks_of(ex, kinds, salt) for salt in (0, 12345, 12345, 67890))
    for checks in (a, b):
        assert same(payloads(plain, "visible"), payloads(checks, "visible"))
        assert [c.payload for c in plain if c.group == "examples"] == [c.payload for c in checks if c.group == "examples"]
    assert same(payloads(a, "hidden"), payloads(a2, "hidden"))
    for x, y in [(a, b), (plain, a)]:
        hx, hy = payloads(x, "hidden", True), payloads(y, "hidden", True)  # fixed inputs (exact zeros) stay fixed
        assert hx and not any(torch.equal(p["kwargs"]["x"], q["kwargs"]["x"]) for p, q in zip(hx, hy, strict=True))
        assert not any(p["upstream_seed"] == q["upstream_seed"]
                       for p, q in zip(payloads(x, "hidden"), payloads(y, "hidden"), strict=True))
    # salt 0 is today's hidden cases: the seed is the spec's, counted on from the visible runs
    first = ex.hidden[0] if not isinstance(ex.hidden[0], Call) else ex.hidden[0].kwargs
    index = len(ex.visible) * len(ex.kind.dtypes)
    kwargs, _ = build(first, ex.kind.dtypes[0], ex.seed * 1_000_003 + index)
    assert torch.equal(payloads(plain, "hidden")[0]["kwargs"]["x"], kwargs["x"])
    assert payloads(plain, "hidden")[0]["upstream_seed"] == index


# -- 7. a flagged exercise waits in formgrader's manual grading queue ----------------------------------------

@pytest.mark.filterwarnings("ignore:Object of type")  # nbgrader's own add_submission
def test_a_flag_stays_in_the_queue_until_a_grader_scores_it(course):
    before = graded(course, ["test_relu"])
    assert before == {"test_relu": (False, None), "test_sigmoid": (False, None)}  # nbgrader alone: no review
    assert needs_manual(course) == {"test_relu": (True, None), "test_sigmoid": (False, None)}
    # A grader overrides sigmoid in formgrader (not relu's flag); a regrade must keep both states.
    from nbgrader.api import Gradebook
    with Gradebook(Course(course).db_url) as gb:
        grade = gb.find_grade("test_sigmoid", NB, A, "alice")
        grade.manual_score, grade.needs_manual_grade = 1.0, False
        gb.db.commit()
    snapshot = manual.snapshot(Course(course), [A])
    graded(course, ["test_relu"])
    manual.keep_manual(Course(course), snapshot, [Result(A, "alice", graded=True)])
    assert needs_manual(course) == {"test_relu": (True, None), "test_sigmoid": (False, 1.0)}


def test_stale_cgroups_of_a_killed_run_are_cleaned():
    import os
    import time

    from grader.trusted import sandbox
    groups = sandbox.Cgroups.create("stale-test")
    try:
        # (by what it leaves, not by counts: a grading test in another process, or a run killed on this machine
        # before, may have cgroups of its own)
        sandbox.clean_stale_cgroups()
        assert all(d.exists() for d in groups.dirs)  # a live job's: kept
        for d in groups.dirs:  # as a run killed two hours ago left them
            os.utime(d, (time.time() - 7200, time.time() - 7200))
        sandbox.clean_stale_cgroups()
        assert not any(d.exists() for d in groups.dirs)
    finally:
        if any(d.exists() for d in groups.dirs):
            groups.remove()
