"""``python -m grader release|autograde|regrade|check|book|export|feedback-zips|similarity``: the commands behind the Makefile."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import pipeline
from .runtime import progress
from .pipeline import CourseError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    parser.add_argument("--root", type=Path, default=pipeline.ROOT, help="course folder (default: this checkout)")
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="regenerate notebooks/ from solutions/")
    rel.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    grading = argparse.ArgumentParser(add_help=False)  # how to grade: autograde's and regrade's options
    grading.add_argument("--jobs", type=int, default=None,
                         help="workers of the local cluster, notebooks graded at once (default: one per core)")
    grading.add_argument("--scheduler", default=None,
                         help="grade on this Dask cluster, e.g. tcp://host:8786 (default: $DASK_SCHEDULER, else a local "
                              "cluster); its workers need the course and the pinned environment, and GRADEBOOK_URL a "
                              "PostgreSQL gradebook they can all reach")
    grading.add_argument("--time-limit", type=float, default=900, help="seconds one notebook may run in all (default 900)")
    grading.add_argument("--unsandboxed", action="store_true",
                         help="run students' code without the sandbox (only for code you trust)")
    ag = sub.add_parser("autograde", parents=[grading],
                        help="grade submitted/<student>/<assignment>/ into grades.csv and feedback/")
    ag.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    ag.add_argument("--submissions", type=Path, help="folder of zips (one per student) or student folders to file first")
    ag.add_argument("--student", action="append", help="grade only this student (repeatable)")
    rg = sub.add_parser("regrade", parents=[grading],
                        help="grade every graded submission again; print and write reports/regrade.md: what changed "
                             "and why, the manual grades kept (docs/regrades-and-late.md)")
    rg.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    ck = sub.add_parser("check", help="run your notebooks and show which exercises pass their visible tests")
    ck.add_argument("paths", nargs="*", help="notebooks or folders (default: notebooks/)")
    bk = sub.add_parser("book", help="the course as a static site: every notebook run, exercises without "
                                     "solutions, in docs/book/")
    bk.add_argument("--out", type=Path, default=None, help="output folder (default: docs/book/)")
    ex = sub.add_parser("export", help="grades into the file an LMS imports: reports/<lms>_grades.csv "
                                       "(docs/grades-and-feedback.md)")
    ex.add_argument("--lms", choices=["canvas", "moodle", "csv"], default="csv",
                    help="canvas: gradebook import; moodle: 'Import grades from CSV'; csv: per-exercise points")
    ex.add_argument("--to", type=Path, default=None, help="output file (default: reports/<name>.csv)")
    ex.add_argument("--assignment", action="append", default=[], help="only this assignment (repeatable)")
    ex.add_argument("--mapping", type=Path, default=None, help="student id mapping (default: <root>/lms_students.csv)")
    ex.add_argument("--identifier", choices=["email", "login", "lms_id"], default="email",
                    help="Moodle: the mapping column that names students (default: email)")
    ex.add_argument("--allow-unmapped", action="store_true",
                    help="canvas/moodle: exit 0 even when students without an LMS id were left out (still listed)")
    sm = sub.add_parser("similarity", help="pairs of submissions whose exercise cells are suspiciously alike, side by "
                                            "side in reports/similarity.md: leads to review, not verdicts (docs/similarity.md)")
    sm.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    sm.add_argument("--threshold", type=float, default=None, help="list pairs scoring at least this (default 0.65)")
    fz = sub.add_parser("feedback-zips", help="one zip per student of their feedback pages, in reports/feedback_zips/")
    fz.add_argument("--to", type=Path, default=None, help="output folder (default: reports/feedback_zips/)")
    args = parser.parse_args(argv)
    try:
        if args.command == "release":
            for name in pipeline.release(args.assignments, args.root.resolve()):
                print(f"released notebooks/{name}/ from solutions/{name}/")
            return 0
        if args.command == "book":
            from . import book  # nbconvert and nbclient: only for this command
            book.build(args.root.resolve(), args.out.resolve() if args.out else None)
            return 0
        if args.command == "export":
            from . import export  # nbgrader's plugins: only for this command
            traits = {"assignment": args.assignment, "allow_unmapped": args.allow_unmapped}
            if args.mapping:
                traits["mapping"] = str(args.mapping.resolve())
            if args.lms == "moodle":
                traits["identifier"] = args.identifier
            summary = export.export(args.root.resolve(), args.lms, args.to.resolve() if args.to else None, **traits)
            head, *problems = summary.lines()
            print(head)
            for line in problems:
                print(line, file=sys.stderr)
            return 1 if summary.failed else 0
        if args.command == "similarity":
            from . import similarity  # copydetect: only for this command
            threshold = similarity.THRESHOLD if args.threshold is None else args.threshold
            similarity.run(args.assignments, args.root.resolve(), threshold=threshold)
            return 0
        if args.command == "feedback-zips":
            from . import export
            root = args.root.resolve()
            dest = args.to.resolve() if args.to else root / "reports" / "feedback_zips"
            written, without = export.feedback_zips(root, dest)
            print(f"wrote {export.plural(len(written), 'zip')} ({export.plural(sum(written.values()), 'feedback page')}) "
                  f"to {dest}/")
            if without:
                print(f"no feedback pages for {export.plural(len(without), 'student')} who handed in (not graded yet, or could "
                      f"not be graded: see reports/class_report.md): {', '.join(without)}", file=sys.stderr)
            return 0
        if args.command == "regrade":
            from . import regrade
            done = regrade.regrade(args.assignments, args.root.resolve(), jobs=args.jobs, sandboxed=not args.unsandboxed,
                                   time_limit=args.time_limit, scheduler=args.scheduler)
            return 0 if all(j.graded for j in done.results) else 1
        if args.command == "autograde":
            jobs = pipeline.autograde(args.assignments, args.root.resolve(), submissions_from=args.submissions,
                                      jobs=args.jobs, sandboxed=not args.unsandboxed, time_limit=args.time_limit, students=args.student,
                                      scheduler=args.scheduler)
            return 0 if all(j.graded for j in jobs) else 1
        paths = progress.notebooks(args.paths, args.root.resolve())
        for p in paths:
            if not p.exists():
                raise CourseError(f"{p} does not exist")
        if not paths:
            raise CourseError("no notebooks found: run `make release` or pass a notebook path")
        exercises = []
        for p in paths:
            exercises += progress.check_notebook(p)
        print(progress.table(exercises))
        print(progress.model_answer_text(exercises, args.root.resolve()), end="")
        return 0
    except CourseError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
