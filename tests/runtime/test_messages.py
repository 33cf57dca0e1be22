"""Failure messages a learner can act on: enough digits to see the difference, and the float32 trap named."""
import json
import re
import shutil

import nbformat
import pytest
import torch

from course import PRELUDE, ROOT, graded, notebook, run_exercise, spec
from grader import translate
from grader.runtime import compare, engine, messages
from grader.runtime.visible import check

# upsample_bilinear as it is natural to write it: source coordinates from torch.arange in float32.
FLOAT32 = graded(notebook("01_sampling"), "upsample_bilinear").source.replace(
    "torch.arange(n_out, dtype=torch.float64)", "torch.arange(n_out)").replace("lam = (src - i0).to(x.dtype)", "lam = src - i0")


def test_digits_until_they_differ():
    assert compare.distinct(-0.70151234567, -0.70151234)[0] != compare.distinct(-0.70151234567, -0.70151234)[1]
    assert compare.distinct(1.5, 2.5) == ("1.5", "2.5")


def test_float32_student_is_told_in_the_visible_check_and_in_grading():
    assert "torch.arange(n_out)" in FLOAT32 and "float64" not in FLOAT32
    namespace = {}
    exec(PRELUDE + FLOAT32, namespace)
    with pytest.raises(AssertionError) as visible:
        check("upsample_bilinear", namespace["upsample_bilinear"])
    with pytest.raises(AssertionError) as graded_message:
        run_exercise("01_sampling", "upsample_bilinear", FLOAT32)
    for message in (str(visible.value), str(graded_message.value)):
        assert "float32's precision" in message and "dtype=x.dtype" in message
        gives = message.split("torch gives ")[1].split(" (")[0]
        torch_value, yours = gives.split(", you give ")
        assert torch_value != yours, message  # the digits show the difference


# -- every message in the learner's language (grader/runtime/messages.py) ----------------------------------------

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_message_the_grader_says_has_a_chinese_translation_with_the_same_fields():
    left = translate.message_problems()
    assert not left, ("messages to translate in grader/runtime/messages.zh-CN.po (`make translations` adds them):\n"
                      + "\n".join(left[:30]))


def test_a_new_sentence_without_a_translation_is_named_with_where_it_is_said(tmp_path):
    shutil.copytree(ROOT / "grader", tmp_path / "grader", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "grader" / "runtime" / "new.py").write_text('say("{name} is new", name="x")\n')
    path = translate.messages_catalog_path(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('msgstr "提示：{hint}"', 'msgstr "提示：{hints}"'), encoding="utf-8")
    assert sorted(translate.message_problems(tmp_path)) == [
        translate.message_templates(tmp_path)["hint: {hint}"]
        + ": 'hint: {hint}': the translation's fields ['hints'] are not the English's ['hint']",
        "grader/runtime/new.py:1: '{name} is new' is not translated in messages.zh-CN.po: run `make translations`, "
        "then translate it"]
    assert translate.update_messages(tmp_path) == {"new": 1, "removed": 0}
    assert 'msgid "{name} is new"\nmsgstr ""' in path.read_text(encoding="utf-8")


def test_a_failure_is_said_in_the_notebooks_language_with_the_same_facts():
    """The same wrong function: English in an English notebook, Chinese in a Chinese one; numbers and code alike."""
    namespace = {}
    exec(PRELUDE + "def downsample(x, factor):\n    return x[:, :, ::factor + 1, ::factor + 1]\n", namespace)
    said = {}
    for lang in ("en", "zh-CN"):
        with messages.speaking(lang):
            said[lang] = engine.run(spec("01_sampling", "downsample"),
                                    engine.local_transport(namespace.__getitem__), ("examples", "visible"))
    en, zh = said["en"], said["zh-CN"]
    assert (en.status, en.score) == (zh.status, zh.score) and en.status == messages.Status.FAIL
    assert "downsample failed worked example 1 of" in en.message and "values differ" in en.message
    assert zh.message.startswith("downsample 未通过示例 1/") and "数值不同" in zh.message and not CJK.search(en.message)
    numbers = re.compile(r"\(\d+, \d+, \d+, \d+\)|\[[ \d]+\]")  # the index and the side-by-side rows
    assert numbers.findall(en.message) == numbers.findall(zh.message) and numbers.findall(en.message)
    assert "（未通过）" in zh.table() and "数值" in zh.table() and "(fail)" in en.table()


def test_the_learners_check_speaks_the_language_of_the_notebook_it_runs_in(tmp_path, monkeypatch):
    zh = nbformat.read(ROOT / "notebooks-zh" / "01_sampling" / "01_sampling.ipynb", as_version=4)
    en = nbformat.read(ROOT / "notebooks" / "01_sampling" / "01_sampling.ipynb", as_version=4)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    monkeypatch.chdir(tmp_path)
    assert messages.here() == "en"  # no notebook here
    nbformat.write(zh, tmp_path / "a.ipynb")
    assert messages.here() == "zh-CN"  # Validate and make check run the kernel in the notebook's folder
    namespace = {}
    exec(PRELUDE + "def downsample(x, factor):\n    return x\n", namespace)
    with pytest.raises(AssertionError, match="未通过示例"):
        check("downsample", namespace["downsample"])
    nbformat.write(en, tmp_path / "b.ipynb")
    assert messages.here() == "en"  # two languages in one folder: cannot tell
    monkeypatch.setenv("JPY_SESSION_NAME", str(tmp_path / "a.ipynb"))  # JupyterLab names the notebook
    assert messages.here() == "zh-CN"


def test_a_status_is_its_value_in_text_and_in_records():
    assert f"{messages.Status.NOT_ATTEMPTED}" == str(messages.Status.NOT_ATTEMPTED) == "not attempted"
    assert json.dumps({"status": messages.Status.PASS}) == '{"status": "pass"}'
    assert messages.Status("partial").scored and not messages.Status.FLAGGED.scored
    with messages.speaking("zh-CN"):
        assert messages.say(messages.Status.BANNED) == "用了禁用的算子"
    with messages.speaking("fr"):  # no catalog: English
        assert messages.say(messages.Status.BANNED) == "banned"


def test_the_progress_table_speaks_the_language_of_the_notebooks_it_reports_on():
    """`make check`'s table: Chinese headings, statuses and totals for notebooks-zh/, English for notebooks/."""
    from grader.runtime import progress
    said = {}
    for folder in ("notebooks", "notebooks-zh"):
        path = ROOT / folder / "01_sampling" / "01_sampling.ipynb"
        lang = messages.language_of(nbformat.read(path, as_version=4))
        label = f"{folder}/01_sampling/01_sampling.ipynb"
        said[folder] = progress.table([
            progress.Exercise(label, "downsample", 2, "pass", language=lang),
            progress.Exercise(label, "pool2d", 3, "fail", "AssertionError: pool2d failed", language=lang),
            progress.Exercise(label, "upsample_nearest", 2, "not attempted", language=lang)])
    en, zh = said["notebooks"], said["notebooks-zh"]
    assert en.splitlines()[0].split() == ["notebook", "exercise", "points", "status"]
    assert "2 of 7 points from visible tests: 1 pass, 1 fail, 1 not attempted" in en and not CJK.search(en)
    assert zh.splitlines()[0].split() == ["笔记本", "练习", "分值", "状态"]
    assert "可见测试得分：7 分中得 2 分：通过 1，未通过 1，未作答 1" in zh and "第一个未通过" in zh
    rows = zh.splitlines()[2:5]
    assert [r.split()[-1] for r in rows] == ["通过", "未通过", "未作答"]
    # the columns line up in a terminal: a Chinese character takes two columns
    assert len({progress.width(r[:r.rindex(r.split()[-1])]) for r in zh.splitlines()[:5]}) == 1
    mixed = progress.table([progress.Exercise("a.ipynb", "x", 1, "pass", language="zh-CN"),
                            progress.Exercise("b.ipynb", "y", 1, "pass", language="en")])
    assert "2 of 2 points from visible tests: 2 pass" in mixed  # notebooks in two languages: English


def test_the_model_answers_come_in_the_notebooks_language():
    """After a written answer, `make check` shows the model answer: the catalog's Chinese for a Chinese notebook."""
    from grader.runtime import progress
    answered = [progress.Exercise(f"{folder}/01_sampling/01_sampling.ipynb", "answer_pool_shift", 1, progress.WRITTEN[0],
                                  language=lang) for folder, lang in (("notebooks", "en"), ("notebooks-zh", "zh-CN"))]
    en, zh = (progress.model_answer_text([e], ROOT) for e in answered)
    assert "answer_pool_shift (01_sampling), model answer:" in en and "groups the columns in pairs" in en
    assert "**参考答案。**" not in zh and "把列两两分组" in zh and not CJK.search(en)


@pytest.mark.slow
def test_make_check_on_the_chinese_notebook_prints_chinese_and_on_the_english_one_english(tmp_path):
    """`python -m grader check <notebook>` on a fresh copy of each edition's 01_sampling."""
    import subprocess
    import sys
    out = {}
    for folder in ("notebooks", "notebooks-zh"):
        dest = tmp_path / folder / "01_sampling"
        dest.mkdir(parents=True)
        shutil.copy(ROOT / folder / "01_sampling" / "01_sampling.ipynb", dest)
        proc = subprocess.run([sys.executable, "-m", "grader", "check", str(dest / "01_sampling.ipynb")],
                              capture_output=True, text=True, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        out[folder] = proc.stdout
    en, zh = out["notebooks"], out["notebooks-zh"]
    assert "notebook" in en.splitlines()[0] and "not attempted" in en and "points from visible tests" in en
    assert not CJK.search(en)
    assert zh.splitlines()[0].split() == ["笔记本", "练习", "分值", "状态"] and "未作答" in zh and "可见测试得分" in zh
    assert "隐藏测试在评分时运行" in zh and "not attempted" not in zh


def feedback_page(language: str, exporter=None) -> str:
    """The feedback page of a graded one-exercise notebook in ``language``, as GenerateFeedback renders it (with the
    course's exporter, or ``exporter``)."""
    from traitlets.config import Config

    from grader.feedback_page import NBGRADER_TEMPLATES, TEMPLATES, FeedbackPage
    exporter = exporter or FeedbackPage
    cell = nbformat.v4.new_code_cell("check('pool2d', pool2d)", metadata={"nbgrader": {
        "grade": True, "solution": False, "grade_id": "test_pool2d", "points": 3, "score": 1.5}})
    nb = nbformat.v4.new_notebook(cells=[cell], metadata={"course": {"language": language}})
    c = Config()
    c.HTMLExporter.template_name = "feedback"  # what nbgrader sets (and formgrader's button asks for)
    c.HTMLExporter.extra_template_paths = [str(NBGRADER_TEMPLATES.parent / "static" / "node_modules" / "bootstrap" / "dist"
                                               / "css")]  # as GenerateFeedback sets it: the page's styles
    c.FeedbackPage.template_name = "feedback_course"
    c.FeedbackPage.extra_template_basedirs = [str(TEMPLATES), str(NBGRADER_TEMPLATES)]
    resources = {"nbgrader": {"notebook": "01_sampling", "score": 1.5, "max_score": 3, "late_penalty": 0}}
    c.HTMLExporter.extra_template_basedirs = [str(NBGRADER_TEMPLATES)]
    page, _ = exporter(config=c).from_notebook_node(nb, resources=resources)
    return page


def test_the_feedback_page_is_nbgraders_in_the_notebooks_language():
    en, zh = feedback_page("en"), feedback_page("zh-CN")
    assert "01_sampling (Score: 1.5 / 3.0)" in en and "Test cell</a> (Score: 1.5 / 3.0)" in en and "Grade cell:" in en
    assert "01_sampling (得分：1.5 / 3.0)" in zh and "测试单元格</a> (得分：1.5 / 3.0)" in zh and "评分单元格：" in zh
    assert "Score" not in zh.split("<body")[1] and "bootstrap" in zh  # nbgrader's page around it: its styles too
    from nbconvert import HTMLExporter
    assert re.sub(r'id="cell-id=\w+"', "", en) == re.sub(r'id="cell-id=\w+"', "", feedback_page("en", HTMLExporter)), \
        "in English the page is nbgrader's own, to the byte"


def test_every_hint_and_group_title_of_every_exercise_is_a_template_of_the_catalog():
    """Hints are data: each text a spec can show (and each custom group's title) is marked N_, so it is translated."""
    from grader.exercises import assignments
    from grader.runtime.spec import GROUPS, Hint
    templates = translate.message_templates()
    texts = set(GROUPS.values())
    for exercises in assignments().values():
        for ex in exercises.values():
            texts |= set(ex.group_names.values())
            for hint in [ex.hint] + [e.hint for e in ex.examples]:
                if isinstance(hint, Hint):
                    texts |= set(hint.texts()) | ({hint.lead} if hint.lead else set())
                elif hint is not None:
                    assert isinstance(hint, str), f"{ex.name}: a hint is a Hint or a text, not {type(hint).__name__}"
                    texts.add(hint)
    missing = sorted(t for t in texts if t not in templates)
    assert not missing, f"hint texts not marked N_(...): {missing[:5]}"
    assert len(texts) > 100


def test_a_hint_is_chosen_by_kind_of_mismatch_and_argument_and_said_with_its_fields():
    from grader.runtime.spec import Arg, Hint, render_hint
    hint = Hint(rejected="torch rejects it", shape="wrong shape", default="the rule",
                when=[(Arg("padding", not_=0, default=0), "padding matters"),
                      (lambda case, expected, got: {"n": got}, "got {n}")])
    x = torch.zeros(2, 2)
    assert render_hint(hint, {}, None, x) == "torch rejects it"
    assert render_hint(hint, {}, x, torch.zeros(3)) == "wrong shape"
    assert render_hint(hint, {"padding": (1, 0)}, x, x) == "padding matters"
    assert render_hint(hint, {"padding": 0}, 1, 2) == "got 2"
    assert render_hint(Hint(default="the rule"), {}, 1, 2) == "the rule"
    zh = next(h for h in spec("01_sampling", "pool2d").hint.texts() if h.startswith("the windows overlap"))
    with messages.speaking("zh-CN"):
        said = spec("01_sampling", "pool2d").hint.render(
            {"x": torch.zeros(1, 1, 4, 4), "kernel_size": 2}, torch.zeros(1, 1, 2, 2), torch.zeros(1, 1, 3, 3))
    assert said.startswith("你的窗口重叠了") and "3×3" in said and "(2, 2)" in said and "2×2" in said, said
    assert zh.startswith("the windows overlap")
