"""Who is who in a folder of hand-ins (grader/intake.py): never two students merged by a guess.

A hand-in's name is its student id, with every character nbgrader does not allow in an id escaped
reversibly; only a browser's numbered copy beside its original, or the instructor's mapping file,
joins two hand-ins. Fast: no grading, only the intake.
"""
from __future__ import annotations

import io
import os
import random
import unicodedata
import zipfile
from pathlib import Path

import pytest

from grader import intake

A = "01_sampling"
NOTEBOOKS = {f"{A}.ipynb": A}


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def handin(folder: Path, name: str, text: str, mtime: float | None = None) -> Path:
    """A zip ``name`` holding the assignment's notebook, whose bytes are ``text`` (intake never reads them)."""
    path = folder / name
    path.write_bytes(zip_bytes({f"{A}/{A}.ipynb": text.encode()}))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def filed(root: Path) -> dict[str, str]:
    """student -> the notebook text filed for them."""
    return {p.parent.parent.name: p.read_text() for p in (root / "submitted").glob(f"*/{A}/{A}.ipynb")}


def take(handins: Path, root: Path) -> intake.Intake:
    return intake.take_in(handins, root, NOTEBOOKS)


@pytest.fixture
def dirs(tmp_path):
    (tmp_path / "handins").mkdir()
    (tmp_path / "course").mkdir()
    return tmp_path / "handins", tmp_path / "course"


DISTINCT = ["张伟", "李娜", "Müller", "s-101", "s-102", "student_1", "student_2", "2023_045", "2023_046", "alice_2"]


def test_distinct_names_are_distinct_students_and_keep_their_letters(dirs):
    handins, root = dirs
    for name in DISTINCT:
        handin(handins, f"{name}.zip", f"work of {name}")
    taken = take(handins, root)
    assert filed(root) == {name: f"work of {name}" for name in DISTINCT}, taken.problems
    assert not [p for p in taken.problems if "ignored" in p or "may be one" in p], taken.problems
    assert intake.handed_in(root)[("张伟", A)] == "张伟.zip"


def test_unicode_names_are_normalised_so_a_mac_and_linux_give_one_id():
    assert intake.student_id("Mu\u0308ller.zip") == intake.student_id("Müller.zip") == "Müller"


NAMES = ["alice", "Alice", "alice (1)", "alice(1)", "Li Na", "Li_Na", "Li_u0020Na", "_u005F", "x_user", "a+b", "a*b",
         "a,b", "a/b", "a\\b", "a?b", "[a]", ".hidden", "..", "-x", " alice", "alice ", "e\u0301", "é", "😀", "\udcff",
         "张伟", "李娜", "Müller", "müller", "MÜLLER", "Ærøskøbing", "Łukasz", "हिन्दी", "مريم", "a\u200db", "tab\there", ""]


def test_ids_never_collide_are_safe_and_reverse_to_the_name():
    rng = random.Random(0)
    alphabet = "aZ_u0F- .()+*,/\\?[]~é张\u0301\u200d😀"
    names = set(NAMES) | {"".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(5000)}
    by_id: dict[str, str] = {}
    for name in names:
        sid = intake.student_id(name)
        nfc = unicodedata.normalize("NFC", name)
        assert by_id.setdefault(sid, nfc) == nfc, f"{name!r} and {by_id[sid]!r} share the id {sid!r}"
        assert intake.original_name(sid) == nfc, (name, sid)
        if name:
            assert intake.is_id(sid)
            assert sid == sid.strip() and sid not in (".", "..") and sid[0] not in ".-"
            assert not set(sid) & set("/\\*?[]+, \t\0"), sid  # nbgrader: a path segment, a glob, exchange and exclude lists


def test_a_browser_copy_beside_its_original_is_the_same_student_newest_wins(dirs):
    handins, root = dirs
    handin(handins, "alice.zip", "first", mtime=1_000_000)
    handin(handins, "alice (1).zip", "second", mtime=1_000_060)
    handin(handins, "bob.zip", "bob's", mtime=1_000_000)
    taken = take(handins, root)
    assert filed(root) == {"alice": "second", "bob": "bob's"}
    assert "alice: ignored alice.zip, an older hand-in than alice (1).zip" in taken.problems
    assert intake.handed_in(root)[("alice", A)] == "alice (1).zip"


def test_an_older_copy_loses_to_a_newer_original(dirs):
    handins, root = dirs
    handin(handins, "alice (1).zip", "copy", mtime=1_000_000)
    handin(handins, "alice.zip", "re-downloaded", mtime=1_000_060)
    assert filed(root) == {} and take(handins, root).filed == [f"alice/{A}"]
    assert filed(root) == {"alice": "re-downloaded"}


@pytest.mark.parametrize("order", [("alice.zip", "alice (1).zip", "alice (2).zip"),
                                   ("alice (2).zip", "alice (1).zip", "alice.zip")])
def test_equal_mtimes_take_the_highest_copy_and_say_so(dirs, order):
    handins, root = dirs
    for name in order:
        handin(handins, name, name, mtime=1_000_000)
    taken = take(handins, root)
    assert filed(root) == {"alice": "alice (2).zip"}
    said = [p for p in taken.problems if p.startswith("alice: ignored")]
    assert len(said) == 2 and all("same modification time as alice (2).zip" in p for p in said), said


def test_a_copy_without_its_original_is_its_own_student_and_the_instructor_is_told(dirs):
    handins, root = dirs
    handin(handins, "bob (1).zip", "bob?")
    taken = take(handins, root)
    sid = intake.student_id("bob (1)")
    assert filed(root) == {sid: "bob?"}
    assert any("looks like a browser's copy of bob" in p for p in taken.problems), taken.problems


@pytest.mark.parametrize("other", ["alice_2", "Alice", "alice-v2"])
def test_names_that_may_be_one_person_are_filed_as_two_and_the_mapping_file_joins_them(dirs, other):
    handins, root = dirs
    handin(handins, "alice.zip", "first", mtime=1_000_000)
    handin(handins, f"{other}.zip", "second", mtime=1_000_060)
    taken = take(handins, root)
    assert filed(root) == {"alice": "first", other: "second"}
    (note,) = [p for p in taken.problems if "may be one student" in p]
    assert f"`{other}.zip,alice`" in note and intake.MAP_FILE in note and "make withdraw" in note

    # The instructor decides they are one: the mapping file says so; the newer hand-in is filed as alice's.
    (handins / intake.MAP_FILE).write_text(f"file,student_id\n{other}.zip,alice\n")
    taken = take(handins, root)
    assert filed(root)["alice"] == "second"
    assert f"alice: ignored alice.zip, an older hand-in than {other}.zip" in taken.problems


def test_an_id_filed_before_in_another_spelling_is_noted_not_joined(dirs):
    """Earlier versions lowercased ids: submitted/alice from Alice.zip. A new Alice.zip is Alice, and the note says how
    to join."""
    handins, root = dirs
    (root / "submitted" / "alice" / A).mkdir(parents=True)
    handin(handins, "Alice.zip", "new")
    taken = take(handins, root)
    assert filed(root) == {"Alice": "new"}
    assert any("may be one student" in p and "`Alice.zip,alice`" in p and "filed before" in p for p in taken.problems)


def test_the_mapping_file_at_the_course_root_and_its_errors(dirs):
    handins, root = dirs
    handin(handins, "zhang wei.zip", "zw")
    (root / intake.MAP_FILE).write_bytes("\ufefffile,student_id\nzhang wei.zip,张伟\n".encode())  # Excel's BOM
    take(handins, root)
    assert filed(root) == {"张伟": "zw"}
    for text, words in [("name,id\n", "needs the columns file,student_id"),
                        ("file,student_id\nx.zip,a b\n", "line 2: 'a b' is not a student id (write it as 'a_u0020b'"),
                        ("file,student_id\nx.zip,a\nx.zip,b\n", "line 3: 'x.zip' appears twice")]:
        (handins / intake.MAP_FILE).write_text(text)
        with pytest.raises(ValueError, match=words.replace("(", r"\(").replace("*", r"\*")):
            take(handins, root)


def test_a_zip_with_a_huge_other_file_files_the_notebook_and_lists_the_rest(dirs):
    handins, root = dirs
    (handins / "carol.zip").write_bytes(zip_bytes({f"{A}.ipynb": b"carol's", "data/weights.bin": b"\0" * (intake.MAX_TOTAL + 1),
                                                   "notes.txt": b"hi"}))
    taken = take(handins, root)
    assert filed(root) == {"carol": "carol's"}
    (line,) = [p for p in taken.problems if p.startswith("carol:")]
    assert "not filed, only notebooks are graded: data/weights.bin (100 MiB), notes.txt (2 bytes)" in line, line


def test_hidden_entries_of_the_folder_are_not_students(dirs):
    handins, root = dirs
    (handins / "__MACOSX").mkdir()
    (handins / ".ipynb_checkpoints").mkdir()
    handin(handins, "dave.zip", "d")
    assert take(handins, root).filed == [f"dave/{A}"]
