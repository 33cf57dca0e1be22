"""Failure messages a learner can act on: enough digits to see the difference, and the float32 trap named."""
import json
import re
import shutil

import nbformat
import pytest

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
    for folder in ("runtime", "public"):
        shutil.copytree(ROOT / "grader" / folder, tmp_path / "grader" / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
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
