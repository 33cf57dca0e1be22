"""Failure messages a learner can act on: enough digits to see the difference, and the float32 trap named."""
import pytest

from course import PRELUDE, graded, notebook, run_exercise
from grader.runtime import compare
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
