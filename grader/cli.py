"""``python -m grader release|autograde|check``: the commands behind the Makefile."""
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
    ag = sub.add_parser("autograde", help="grade submitted/<student>/<assignment>/ into grades.csv and feedback/")
    ag.add_argument("assignments", nargs="*", help="assignment names (default: all)")
    ag.add_argument("--submissions", type=Path, help="folder of zips (one per student) or student folders to file first")
    ag.add_argument("--student", action="append", help="grade only this student (repeatable)")
    ag.add_argument("--jobs", type=int, default=None,
                    help="workers of the local cluster, notebooks graded at once (default: one per core)")
    ag.add_argument("--scheduler", default=None,
                    help="grade on this Dask cluster, e.g. tcp://host:8786 (default: $DASK_SCHEDULER, else a local "
                         "cluster); its workers need the course and the pinned environment, and GRADEBOOK_URL a "
                         "PostgreSQL gradebook they can all reach")
    ag.add_argument("--time-limit", type=float, default=900, help="seconds one notebook may run in all (default 900)")
    ag.add_argument("--unsandboxed", action="store_true",
                    help="run students' code without the sandbox (only for code you trust)")
    ck = sub.add_parser("check", help="run your notebooks and show which exercises pass their visible tests")
    ck.add_argument("paths", nargs="*", help="notebooks or folders (default: notebooks/)")
    args = parser.parse_args(argv)
    try:
        if args.command == "release":
            for name in pipeline.release(args.assignments, args.root.resolve()):
                print(f"released notebooks/{name}/ from solutions/{name}/")
            return 0
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
