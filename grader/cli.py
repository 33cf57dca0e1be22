"""``python -m grader release|translations|autograde|regrade|withdraw|check|book|export|feedback-zips|similarity|kit|hub``: the
commands behind the Makefile."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import ROOT, cluster, pipeline
from .course import Course, CourseError
from .runtime import progress


def parser() -> argparse.ArgumentParser:
    """Every command and its options."""
    parser = argparse.ArgumentParser(prog="python -m grader", description=__doc__)
    parser.add_argument("--root", type=Path, default=ROOT, help="course folder (default: this checkout)")
    parser.add_argument("--gradebook", default=None,
                        help="the gradebook's database URL, e.g. postgresql://user:password@host/db when graders span "
                             "machines (default: $GRADEBOOK_URL, else SQLite in <root>/.nbgrader/gradebook.db)")
    sub = parser.add_subparsers(dest="command", required=True)
    rel = sub.add_parser("release", help="regenerate notebooks/ (and notebooks-zh/) from solutions/")
    rel.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    tr = sub.add_parser("translations", help="bring the Chinese catalogs solutions/<a>/<a>.zh.po up to the English "
                                             "notebooks: new cells added, changed ones marked fuzzy; lists what is left")
    tr.add_argument("assignments", nargs="*", help="assignment names (default: all)")
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
    wd = sub.add_parser("withdraw", help="take a submission out of grading (one that cannot be graded, or a duplicate): "
                                         "move submitted/STUDENT/ASSIGNMENT/ to withdrawn/, nothing deleted")
    wd.add_argument("student", help="the student id, as the reports show it (or the file it was handed in as)")
    wd.add_argument("assignment", help="the assignment, e.g. 01_sampling")
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
    ex.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    ex.add_argument("--mapping", type=Path, default=None, help="student id mapping (default: <root>/lms_students.csv)")
    ex.add_argument("--identifier", choices=["email", "login", "lms_id"], default="email",
                    help="Moodle: the mapping column that names students (default: email)")
    ex.add_argument("--allow-unmapped", action="store_true",
                    help="canvas/moodle: exit 0 even when students without an LMS id were left out (still listed)")
    sm = sub.add_parser("similarity", help="pairs of submissions whose exercise cells are suspiciously alike, side by "
                                            "side in reports/similarity.md: leads to review, not verdicts (docs/similarity.md)")
    sm.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    sm.add_argument("--threshold", type=float, default=None, help="list pairs scoring at least this (default 0.65)")
    kt = sub.add_parser("kit", help="what a class's students get, in dist/kit/ and dist/feature-map-course-kit.zip: the "
                                     "release notebooks and the learner package, no solutions, no hidden cases")
    kt.add_argument("--out", type=Path, default=None, help="output folder (default: dist/)")
    fz = sub.add_parser("feedback-zips", help="one zip per student of their feedback pages, in reports/feedback_zips/")
    fz.add_argument("--out", type=Path, default=None, help="output folder (default: reports/feedback_zips/)")
    hb = sub.add_parser("hub", help="a class JupyterHub on this machine (as root): accounts from a roster, the learner kit "
                                     "for students, nbgrader's exchange, formgrader for instructors (docs/class-hub.md)")
    hb.add_argument("action", choices=["start", "stop", "serve"], help="serve: the grading service the hub starts")
    hb.add_argument("--roster", type=Path, help="start: CSV file `username,role` (role: student or instructor)")
    hb.add_argument("--folder", type=Path, default=None, help="the hub's state (default: /srv/feature-map-hub)")
    hb.add_argument("--port", type=int, default=8000, help="the hub's port (default 8000)")
    hb.add_argument("--ip", default="127.0.0.1", help="the address it listens on (default 127.0.0.1; 0.0.0.0 for a class)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    course, scheduler = course_of(args), scheduler_of(args)
    try:
        if args.command == "hub":
            from . import hub
            folder = args.folder.resolve() if args.folder else hub.DEFAULT_FOLDER
            if args.action == "stop":
                hub.stop(folder)
                return 0
            if args.action == "serve":
                hub.serve(folder)
                return 0
            if args.roster is None:
                raise CourseError("make hub needs a roster: make hub ROSTER=roster.csv (lines `username,role`)")
            hub.start(args.roster, course, folder, args.port, args.ip)
            return 0
        if args.command == "release":
            for name in pipeline.release(course, args.assignments):
                print(f"released notebooks/{name}/ from solutions/{name}/")
            return 0
        if args.command == "translations":
            from . import translate
            root = course.root
            for name, n in translate.update(course, args.assignments).items():
                print(f"{translate.catalog_path(root, name).relative_to(root)}: {n['new']} new, {n['changed']} changed "
                      f"(fuzzy), {n['removed']} removed, {n['same']} unchanged")
            left = translate.problems(course, args.assignments)
            n = translate.update_messages(root)
            print(f"{translate.messages_catalog_path(root).relative_to(root)} (the grader's messages): {n['new']} new, "
                  f"{n['removed']} removed")
            said = translate.message_problems(root)
            for line in left + said:
                print(line, file=sys.stderr)
            print(f"{len(left)} cells and {len(said)} messages to translate or check" if left or said
                  else "every cell and every message is translated")
            return 0
        if args.command == "book":
            from . import book  # nbconvert and nbclient: only for this command
            book.build(course, args.out.resolve() if args.out else None)
            return 0
        if args.command == "export":
            from . import export  # nbgrader's plugins: only for this command
            traits = {"assignment": args.assignments, "allow_unmapped": args.allow_unmapped}
            if args.mapping:
                traits["mapping"] = str(args.mapping.resolve())
            if args.lms == "moodle":
                traits["identifier"] = args.identifier
            summary = export.export(course, args.lms, args.to.resolve() if args.to else None, **traits)
            head, *problems = summary.lines()
            print(head)
            for line in problems:
                print(line, file=sys.stderr)
            return 1 if summary.failed else 0
        if args.command == "similarity":
            from . import similarity  # copydetect: only for this command
            threshold = similarity.THRESHOLD if args.threshold is None else args.threshold
            similarity.run(course, args.assignments, threshold=threshold)
            return 0
        if args.command == "feedback-zips":
            from . import export
            dest = args.out.resolve() if args.out else course.reports / "feedback_zips"
            written, without = export.feedback_zips(course, dest)
            print(f"wrote {export.plural(len(written), 'zip')} ({export.plural(sum(written.values()), 'feedback page')}) "
                  f"to {dest}/")
            if without:
                print(f"no feedback pages for {export.plural(len(without), 'student')} who handed in (not graded yet, or could "
                      f"not be graded: see reports/class_report.md): {', '.join(without)}", file=sys.stderr)
            return 0
        if args.command == "kit":
            from . import kit
            print(kit.build(course, args.out.resolve() if args.out else None).summary())
            return 0
        if args.command == "withdraw":
            return withdraw(course, args.student, args.assignment)
        if args.command == "regrade":
            from . import regrade
            done = regrade.regrade(course, args.assignments, runner=cluster.Dask(scheduler, args.jobs),
                                   sandboxed=not args.unsandboxed, time_limit=args.time_limit)
            return 0 if all(j.graded for j in done.results) else 1
        if args.command == "autograde":
            try:
                jobs = pipeline.autograde(course, args.assignments, submissions_from=args.submissions,
                                          runner=cluster.Dask(scheduler, args.jobs), sandboxed=not args.unsandboxed,
                                          time_limit=args.time_limit, students=args.student)
            except pipeline.Interrupted as e:
                print(f"\n{e}", file=sys.stderr)
                return 130
            return 0 if all(j.graded for j in jobs) else 1
        paths = progress.notebooks(args.paths, course.root)
        for p in paths:
            if not p.exists():
                raise CourseError(f"{p} does not exist")
        if not paths:
            raise CourseError("no notebooks found: run `make release` or pass a notebook path")
        exercises, unreadable, copies = progress.check_all(paths)
        print(progress.table(exercises))
        print(progress.model_answer_text(exercises, course.root), end="")
        for line in unreadable:
            print(f"\nunreadable, not checked: {line}")
        if copies:
            print("\nnot checked, copies of an assignment's own notebook (rename one to check it instead): "
                  + ", ".join(str(p) for p in copies))
        return 1 if unreadable else 0
    except CourseError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    finally:
        if args.command != "hub":
            pipeline.hand_back(course)


def course_of(args: argparse.Namespace, environ=os.environ) -> Course:
    """The course a command works on: ``--root``, and ``--gradebook`` else $GRADEBOOK_URL. The command line is the
    one place that reads the environment; everything below takes the course."""
    return Course(args.root, args.gradebook or environ.get("GRADEBOOK_URL") or None)


def scheduler_of(args: argparse.Namespace, environ=os.environ) -> str | None:
    """The Dask scheduler to grade on: ``--scheduler`` else $DASK_SCHEDULER; None: an embedded cluster."""
    return getattr(args, "scheduler", None) or environ.get("DASK_SCHEDULER") or None


def withdraw(course: Course, student: str, assignment: str) -> int:
    """``make withdraw``: move one submission out of ``submitted/`` (never while a grading run holds the course)."""
    from . import intake, report
    root = course.root
    with pipeline.course_lock(course):
        try:
            dest = intake.withdraw(root, student, assignment)
        except ValueError as e:
            raise CourseError(str(e)) from None
    student = dest.parent.name
    print(f"withdrew {student}/{assignment}: moved submitted/{student}/{assignment}/ to {dest.relative_to(root)}/ "
          f"(move it back to grade it again); later runs no longer grade it")
    if course.has_gradebook() and (assignment, student) in report.gradebook_submissions(course.db_url):
        print(f"{student}/{assignment} was graded before: those grades stay in the gradebook, the reports and the exports "
              f"(formgrader can change them; `nbgrader db student remove {student} --force` removes the student "
              f"with every grade)")
    return 0
