"""The 简体中文 edition: the English notebooks' prose through gettext catalogs, the code from one source.

Each source notebook ``solutions/<a>/<a>.ipynb`` has a catalog beside it, ``solutions/<a>/<a>.zh.po``
(nbgrader's release leaves ``*.po`` out), its entries in notebook order:

- one per markdown cell: its fixed cell id as the context (``msgctxt``), its English source as ``msgid`` and the
  Chinese as ``msgstr``;
- one per comment and per printed or plotted label of a teaching code cell: context ``<cell id>#comment`` or
  ``<cell id>#string``, the English text as ``msgid`` (see :func:`code_items`);
- one per phrase an exercise's spec requires its text to name: context ``named:<exercise>``, the msgstr the words
  of the Chinese text that say it (tests/course/test_fairness.py).

- :func:`update` (``make translations``) adds an entry for every new cell, comment, label and phrase, and marks an
  entry whose English changed ``fuzzy``, the English it was translated from kept in a comment above it.
- :func:`problems` lists what keeps an edition from being complete: a missing, empty, fuzzy or out-of-date entry,
  a translation that loses a code span or a formula of the English, a label that would not stay the same literal.
  ``tests/course/test_translation.py`` fails on any of them, naming the cell.
- :func:`release` (``make release``) writes ``notebooks-zh/<a>/<a>.ipynb`` from the English release:
  the same cells and code, every markdown cell without nbgrader metadata in Chinese, the comments and labels of
  teaching code cells in Chinese (nothing else of the code changes), and ``metadata.course.language`` set.
- :func:`term_slips` checks the glossary's rule: the course's terms (d2l-zh v2's), the source articles' only at
  first mention or in a quotation.
"""
from __future__ import annotations

import re
from pathlib import Path

import nbformat

from . import ROOT
from .course import Course, CourseError

WAS = "translated from this English (remove this comment and the fuzzy flag once the translation is checked):"
LANGUAGES = {"zh": "zh-CN"}  # catalog suffix -> the language the notebooks' metadata names
FOLDER = "notebooks-{lang}"


def catalog_path(root: Path, assignment: str, lang: str = "zh") -> Path:
    (nb,) = sorted((root / "solutions" / assignment).glob("*.ipynb"))
    return nb.with_suffix(f".{lang}.po")


def sources(root: Path, assignment: str) -> list[tuple[str, str]]:
    """(cell id, English source) of every markdown cell of the source notebook, in order."""
    (path,) = sorted((root / "solutions" / assignment).glob("*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    return [(c.id, c.source) for c in nb.cells if c.cell_type == "markdown"]


# -- code cells: what a learner reads in teaching code --------------------------------------------------------------
#
# A teaching code cell (one without nbgrader metadata: solution and test cells are never touched) has two kinds of
# entries, both keyed by the cell id: ``<id>#comment`` for each ``#`` comment (msgid: its text after ``#``), and
# ``<id>#string`` for each string literal a learner reads as a label: the arguments of ``print``, the text of
# ``title``/``set_title``/``suptitle``/``xlabel``/``ylabel``/``set_xlabel``/``set_ylabel``/``annotate``/``text``,
# ``legend``'s labels, the titles of the notebooks' ``show`` helper, and any ``label=``/``title=``/``titles=``/
# ``xlabel=``/``ylabel=`` argument (msgid: the literal's body as written between its quotes, an f-string's
# ``{fields}`` included). Literals and comments without a word (``"\n"``, ``f"{x}"``) have no entry, and a string
# inside another call (``d["key"]``, ``fmt("x")``) is not a label. Release replaces exactly these tokens.

COMMENT, STRING = "#comment", "#string"
LABEL_ARGS = {"print": None, "title": [0], "set_title": [0], "suptitle": [0], "xlabel": [0], "ylabel": [0],
              "set_xlabel": [0], "set_ylabel": [0], "annotate": [0], "text": [2], "legend": [0], "show": [1]}
LABEL_KEYWORDS = {"label", "title", "titles", "xlabel", "ylabel"}
WORD = re.compile(r"[A-Za-z]{2,}")
LITERAL = re.compile(r"(?is)([a-z]*)('''|\"\"\"|'|\")(.*)\2$")


def teaching(cell) -> bool:
    """A code cell whose comments and labels are translated: not an nbgrader solution, test or locked cell."""
    return cell.cell_type == "code" and not cell.metadata.get("nbgrader")


def _label_nodes(tree) -> list:
    """The string literal nodes (``Constant`` or ``JoinedStr``) a learner reads as labels."""
    import ast

    def strings(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) or isinstance(node, ast.JoinedStr):
            return [node]
        if isinstance(node, (ast.List, ast.Tuple)):
            return [s for e in node.elts for s in strings(e)]
        if isinstance(node, ast.IfExp):
            return strings(node.body) + strings(node.orelse)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return strings(node.left) + strings(node.right)
        if isinstance(node, ast.Starred):
            return strings(node.value)
        return []

    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        if name in LABEL_ARGS:
            which = LABEL_ARGS[name]
            found += [s for i, arg in enumerate(node.args) if which is None or i in which for s in strings(arg)]
        found += [s for kw in node.keywords if kw.arg in LABEL_KEYWORDS for s in strings(kw.value)]
    return found


# In a label, what is code rather than words: {fields}, escapes, calls, names with . _ = [ ] or digits, CamelCase
CODE_WORDS = re.compile(r"\{[^{}]*\}|\\.|\b\w+\([^()]*\)|\S*[._=\[\]]\S*|\b\w*\d\w*\b|\b[A-Z]\w*[A-Z]\w*|\b(True|False|None)\b")


def _words(kind: str, text: str) -> bool:
    """Whether ``text`` has words to translate: any for a comment; for a label, words that are not code
    (``"MaxPool2d(3, padding=1):"`` and ``"x.grad:"`` have none, ``"after ReLU"`` has one)."""
    if kind == STRING:
        text = CODE_WORDS.sub(" ", text)
    return bool(WORD.search(text))


def code_items(source: str) -> list[tuple[str, str, int, int]]:
    """(kind, msgid, start, end) of each translatable comment and label literal of ``source``, in order; ``start``
    and ``end`` are character offsets of the text a translation replaces (a comment's text after ``#`` and the
    spaces after it, a literal's body between its quotes). [] for a cell that does not parse."""
    import ast
    import io
    import tokenize
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
        tree = ast.parse(source)
    except (SyntaxError, tokenize.TokenError):
        return []
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def at(row: int, col: int, byte: bool = False) -> int:
        return starts[row - 1] + (len(lines[row - 1].encode()[:col].decode()) if byte else col)

    spans = [(at(n.lineno, n.col_offset, True), at(n.end_lineno, n.end_col_offset, True)) for n in _label_nodes(tree)]
    items = []
    for tok in tokens:
        start, end = at(*tok.start), at(*tok.end)
        if tok.type == tokenize.COMMENT:
            lead = re.match(r"#\s*", tok.string).end()
            if _words(COMMENT, tok.string[lead:]):
                items.append((COMMENT, tok.string[lead:], start + lead, end))
        elif tok.type == tokenize.STRING and any(s <= start and end <= e for s, e in spans):
            head, quote, body = LITERAL.match(tok.string).group(1, 2, 3)
            if _words(STRING, body):
                items.append((STRING, body, start + len(head) + len(quote), end - len(quote)))
    return items


def check_code(kind: str, english: str, chinese: str) -> str | None:
    """Why ``chinese`` cannot replace ``english`` in the code, or None when it can: a comment stays on one line; a
    literal's body stays a literal's body, with the same ``{fields}`` in the same order."""
    import ast
    if "\n" in chinese and "\n" not in english:
        return "the translation spans lines"
    if kind == COMMENT:
        return None
    if any(chinese.count(q) > english.count(q) for q in "'\"\\"):
        return "the translation adds a quote mark or a backslash (write “…” in Chinese)"
    fields = []
    for body in (english, chinese):
        if '"""' in body or body.endswith('"'):
            return "the translation changes the quotes"
        try:
            node = ast.parse(f'f"""{body}"""', mode="eval").body
        except SyntaxError as e:
            return f"the translation is not a string literal's body ({e.msg})"
        fields.append([ast.dump(v) for v in getattr(node, "values", []) if isinstance(v, ast.FormattedValue)])
    if fields[0] != fields[1]:
        return "the translation changes the f-string's {fields}"
    return None


def read(path: Path):
    """The catalog at ``path`` (babel's ``Catalog``), or None when there is none."""
    from babel.messages.pofile import read_po
    if not path.exists():
        return None
    with open(path, "rb") as f:
        return read_po(f, charset="utf-8", abort_invalid=True)


def write(path: Path, catalog) -> None:
    """Write ``catalog`` as the course keeps it: no header (no dates: the file changes only with its entries),
    no line wrapping, cells in notebook order."""
    from babel.messages.pofile import write_po
    with open(path, "wb") as f:
        write_po(f, catalog, width=0, omit_header=True, sort_output=False)


def messages(root: Path, assignment: str) -> list[tuple[str, str]]:
    """(msgctxt, msgid) of every entry the catalog needs, in notebook order: each markdown cell (its id, its
    source), then, for a teaching code cell, each comment (``<id>#comment``) and label (``<id>#string``) once."""
    (path,) = sorted((root / "solutions" / assignment).glob("*.ipynb"))
    nb = nbformat.read(path, as_version=4)
    named = required_phrases(assignment)
    out = []
    for c in nb.cells:
        if c.cell_type == "markdown":
            out.append((c.id, c.source))
        elif teaching(c):
            out += list(dict.fromkeys((c.id + kind, english) for kind, english, _, _ in code_items(c.source)))
        elif c.metadata.get("nbgrader", {}).get("solution"):
            name = c.metadata["nbgrader"].get("grade_id")
            out += [(NAMED + name, phrase) for phrase in named.pop(name, [])]
    return out + [(NAMED + name, phrase) for name, phrases in named.items() for phrase in phrases]


# An exercise's requirements in Chinese: each phrase of its spec's ``named`` (the English the exercise's text must
# contain, tests/course/test_fairness.py) has an entry ``named:<exercise>`` whose msgstr is the words of the Chinese text
# that say the same (or the English itself where it stays English, in code or a docstring). The Chinese exercise
# text must contain them, ignoring spaces and line breaks.
NAMED = "named:"


def required_phrases(assignment: str) -> dict[str, list[str]]:
    """Exercise name -> the distinct phrases its spec's ``named`` requires in its text, in order."""
    from .exercises import assignments as specs
    return {name: list(dict.fromkeys(ex.named.values()))
            for name, ex in specs().get(assignment, {}).items() if ex.named}


def named_forms(root: Path, assignment: str, lang: str = "zh") -> dict[tuple[str, str], str]:
    """(exercise, English phrase) -> its Chinese form, for every current (translated, not fuzzy) entry."""
    catalog = read(catalog_path(root, assignment, lang))
    return {(m.context.removeprefix(NAMED), m.id): m.string for m in catalog or []
            if m.id and m.context and m.context.startswith(NAMED) and m.string.strip() and "fuzzy" not in m.flags}


def update(course: Course, names: list[str] = (), lang: str = "zh") -> dict[str, dict[str, int]]:
    """Bring each catalog up to the source notebook: new cells, comments and labels get an empty entry, changed ones
    a fuzzy one (the translation kept for the translator to fix; a code entry takes the translation of the entry of
    the same cell it replaces), removed ones' entries go. Returns counts per assignment."""
    from babel.messages.catalog import Catalog
    counts, root = {}, course.root
    for a in course.pick(names):
        path = catalog_path(root, a, lang)
        old = read(path)
        before = {(m.context, m.id): m for m in old if m.id} if old is not None else {}
        wanted = messages(root, a)
        # an English text that changed: its old entry, matched by cell (markdown) or by cell and order (code)
        gone = [key for key in before if key not in set(wanted)]
        new = [key for key in wanted if key not in before]
        replaced = {}
        for ctx in dict.fromkeys(c for c, _ in new):
            replaced.update(zip([k for k in new if k[0] == ctx], [k for k in gone if k[0] == ctx], strict=False))
        catalog = Catalog(locale=LANGUAGES[lang].replace("-", "_"), project="feature-map-layers", fuzzy=False)
        n = {"new": 0, "changed": 0, "same": 0, "removed": len(gone) - len(replaced)}
        for ctx, english in wanted:
            prev = before.get((ctx, english))
            if prev is not None:
                catalog.add(english, prev.string, context=ctx, flags=prev.flags, user_comments=prev.user_comments)
                n["same"] += 1
            elif (ctx, english) in replaced:  # the English it was translated from goes in a comment, to compare
                prev = before[replaced[ctx, english]]
                was = prev.user_comments if "fuzzy" in prev.flags else [WAS, *prev.id.splitlines()]
                catalog.add(english, prev.string, context=ctx, flags={"fuzzy"}, user_comments=was)
                n["changed"] += 1
            else:
                catalog.add(english, "", context=ctx)
                n["new"] += 1
        write(path, catalog)
        counts[a] = n
    return counts


# What a translation must keep of the English, exactly (but for line breaks): code spans and formulas.
KEEP = re.compile(r"`[^`\n]+(?:\n[^`\n]+)?`|\$\$.+?\$\$|\$[^$\n]+\$", re.S)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def problems(course: Course, names: list[str] = (), lang: str = "zh") -> list[str]:
    """One line per cell (or comment or label of a code cell) whose translation is missing, empty, fuzzy, out of
    date, loses a code span or a formula of the English, or cannot go in the code; [] when the edition is
    complete."""
    out, root = [], course.root
    for a in course.pick(names):
        path = catalog_path(root, a, lang)
        catalog = read(path)
        if catalog is None:
            out.append(f"{a}: no catalog {path.relative_to(root)}: run `make translations`")
            continue
        entries = {(m.context, m.id): m for m in catalog if m.id}
        contexts = {m.context for m in catalog if m.id}
        for ctx, english in messages(root, a):
            cid, kind = ctx.partition("#")[::2]
            where = f"{a}: cell {cid}" + (f": {kind} {english!r}" if kind else "")
            if ctx.startswith(NAMED):
                cid, kind = "", ""
                where = f"{a}: exercise {ctx.removeprefix(NAMED)}: required phrase {english!r}"
            m = entries.get((ctx, english))
            if m is None and ctx not in contexts:
                out.append(f"{where} has no entry in {path.name}: run `make translations`, then translate it")
            elif m is None:
                out.append(f"{where}: its English changed since the entry was made: run `make translations`")
            elif "fuzzy" in m.flags:
                out.append(f"{where}: fuzzy (its English changed since it was translated): check the translation "
                           f"against the new English, then remove the fuzzy flag")
            elif not m.string.strip():
                out.append(f"{where}: not translated")
            elif kind:
                reason = check_code("#" + kind, english, m.string)
                if reason:
                    out.append(f"{where}: {reason}")
            else:
                lost = [k for k in KEEP.findall(english) if _flat(k) not in _flat(m.string)]
                if lost:
                    out.append(f"{where}: the translation lost {', '.join(lost[:3])}")
    return out


def translated_code(source: str, entries: dict) -> str:
    """``source`` with each comment and label that has a current translation in ``entries`` ((msgctxt, msgid) ->
    message, msgctxt without the cell id) replaced; every other character as it was."""
    for kind, english, start, end in reversed(code_items(source)):
        m = entries.get((kind, english))
        if m is not None and m.string.strip() and "fuzzy" not in m.flags and not check_code(kind, english, m.string):
            source = source[:start] + m.string + source[end:]
    return source


def release(course: Course, names: list[str] = (), lang: str = "zh") -> list[str]:
    """Write ``notebooks-<lang>/<a>/`` from the English release ``notebooks/<a>/`` and the catalogs. A cell, comment
    or label without a current translation stays English (tests/course/test_translation.py fails on it). Returns the
    assignments written."""
    written, root = [], course.root
    for a in course.pick(names):
        src = root / "notebooks" / a
        if not src.is_dir():
            raise CourseError(f"no release in {src}: run `make release`")
        catalog = read(catalog_path(root, a, lang))
        entries = {m.context: m for m in catalog if m.id and "#" not in m.context} if catalog is not None else {}
        code = {}
        for m in (catalog if catalog is not None else []):
            if m.id and "#" in m.context:
                cid, kind = m.context.split("#", 1)
                code.setdefault(cid, {})[("#" + kind, m.id)] = m
        dest = root / FOLDER.format(lang=lang) / a
        dest.mkdir(parents=True, exist_ok=True)
        for path in sorted(src.glob("*.ipynb")):
            nb = nbformat.read(path, as_version=4)
            for cell in nb.cells:
                m = entries.get(cell.get("id"))
                if (cell.cell_type == "markdown" and not cell.metadata.get("nbgrader") and m is not None
                        and m.id == cell.source and m.string.strip() and "fuzzy" not in m.flags):
                    cell.source = m.string
                elif teaching(cell) and cell.get("id") in code:
                    cell.source = translated_code(cell.source, code[cell.id])
            nb.metadata["course"] = {**nb.metadata.get("course", {}), "language": LANGUAGES[lang]}
            nbformat.write(nb, dest / path.name)
        written.append(a)
    return written


# -- the glossary's terms -------------------------------------------------------------------------------------------

GLOSSARY = "docs/glossary.md"
NEAR = 40  # characters: an article's term glossed at first mention stands this close after the course's term


def forms(cell: str) -> list[str]:
    """The terms one glossary cell gives: ``特征映射 (also 特征图)`` -> 特征映射, 特征图; ``池化 (000–002, 004)`` -> 池化
    (article numbers and notes are not terms); ``—`` -> none."""
    out = []
    for part in re.split(r"\s*[;/]\s*", cell):
        head, _, rest = part.partition(" (")
        for term in [head, *re.split(r",\s*", rest.rstrip(")"))]:
            term = term.removeprefix("also ").strip()
            if term and term != "—" and not re.search(r"\d{3}|\bused\b|\bslip\b|\bonce\b", term):
                out.append(term)
    return out


def glossary(root: Path = ROOT) -> list[dict]:
    """The rows of docs/glossary.md: ``english``, ``course`` (the course's Chinese terms), ``articles`` (the source
    articles' terms), ``d2l`` (d2l-zh v2's) and ``notebook`` (the two digits of the notebook that first teaches it)."""
    rows = []
    for line in (root / GLOSSARY).read_text(encoding="utf-8").splitlines():
        if line.startswith("| ") and not re.match(r"\|\s*(English|---)", line):
            english, course, articles, d2l, notebook = (c.strip() for c in line.strip().strip("|").split("|"))
            rows.append(dict(english=english, course=forms(course), articles=forms(articles), d2l=forms(d2l),
                             notebook=notebook))
    return rows


# What is not the edition's own wording: code, formulas, block quotes of the articles; inline quotations (“…”, 「…」,
# "…") quote an article's words too (来源文章称“池化”), and count as a mention.
CODE = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$\n]*\$|^>[^\n]*", re.S | re.M)
INLINE = re.compile(r"“[^”]*”|「[^」]*」|\"[^\"\n]*\"")
QUOTED = re.compile(f"{CODE.pattern}|{INLINE.pattern}", re.S | re.M)


def term_slips(course: Course, names: list[str] = (), lang: str = "zh") -> list[str]:
    """One line per use of a source article's term where the glossary's course term differs (池化 for 汇聚) that is
    neither in a quotation nor its first mention in the notebook glossed right after the course's term, as in
    汇聚层（pooling layer；来源文章称池化层）. The notebook's ``glossary`` cell (the table itself) is left out."""
    rows = glossary(course.root)
    ours = {t.lower() for r in rows for t in r["course"]}
    foreign = {t.lower(): (t, r) for r in rows for t in r["articles"] if t.lower() not in {c.lower() for c in r["course"]}}
    # longest first, so that 最大池化 is max pooling's term and not pooling's, and 移动平均值 (a course term) is not 平均值
    words = sorted(set(foreign) | ours, key=len, reverse=True)
    pattern = re.compile("|".join(map(re.escape, words)), re.I)
    out = []
    for a in course.pick(names):
        catalog = read(catalog_path(course.root, a, lang))
        seen = set()
        for m in catalog if catalog is not None else []:
            cid = m.context.split("#")[0] if m.context else None
            if not m.id or cid == "glossary" or not m.string:
                continue
            text = CODE.sub(lambda q: " " * len(q.group(0)), m.string)
            quotes = [q.span() for q in INLINE.finditer(text)]
            for hit in pattern.finditer(text):
                if hit.group(0).lower() not in foreign:
                    continue
                term, row = foreign[hit.group(0).lower()]
                first = term not in seen
                seen.add(term)
                if any(s <= hit.start() < e for s, e in quotes):
                    continue
                before = text[max(0, hit.start() - NEAR):hit.start()].rsplit("\n", 1)[-1]
                if first and any(c.lower() in before.lower() for c in row["course"]):
                    continue
                out.append(f"{a}: cell {cid}: {term} is the source articles' term for {row['english']}; this "
                           f"course writes {' / '.join(row['course'])} (the articles' term only once, at first "
                           f"mention right after the course's term, or in a quotation)")
    return out


# -- the grader's messages (grader/runtime/messages.py) ---------------------------------------------------------
# Their catalog is keyed by the English template itself: a changed sentence is a new entry, its old one goes.

MARKS = ("say", "N_")  # grader.runtime.messages: said now, or marked as data to be said later


def message_templates(root: Path = ROOT) -> dict[str, str]:
    """Every literal template the grader says to a learner, with where it first appears ("path:line"): the first
    argument of each ``say(...)`` or ``N_(...)`` call in ``grader/``, and each ``"..." | say(...)`` of its Jinja
    templates (the feedback page)."""
    import ast
    found: dict[str, str] = {}
    package = root / "grader"
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = getattr(node, "func", None)
            name = getattr(name, "id", getattr(name, "attr", None))
            if isinstance(node, ast.Call) and name in MARKS and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str):
                found.setdefault(node.args[0].value, f"{path.relative_to(root)}:{node.lineno}")
    for path in sorted(package.rglob("*.j2")):
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r'"([^"\\]*)"\s*\|\s*say\(', text):
            found.setdefault(m.group(1), f"{path.relative_to(root)}:{text.count(chr(10), 0, m.start()) + 1}")
    return found


def messages_catalog_path(root: Path, lang: str = "zh") -> Path:
    return root / "grader" / "runtime" / f"messages.{LANGUAGES[lang]}.po"


def update_messages(root: Path = ROOT, lang: str = "zh") -> dict[str, int]:
    """Bring the messages' catalog up to the code: an empty entry for each new template, none for a template the
    code no longer says. Returns the counts."""
    from babel.messages.catalog import Catalog
    path = messages_catalog_path(root, lang)
    old = read(path)
    before = {m.id: m for m in old if m.id} if old is not None else {}
    catalog = Catalog(locale=LANGUAGES[lang].replace("-", "_"), project="feature-map-layers", fuzzy=False)
    templates = message_templates(root)
    for template, where in templates.items():
        prev = before.get(template)
        # where it is said, without the line: the file changes only with its entries
        catalog.add(template, prev.string if prev else "", locations=[(where.rsplit(":", 1)[0], None)],
                    flags=prev.flags if prev else ())
    write(path, catalog)
    return {"new": sum(t not in before for t in templates), "removed": sum(t not in templates for t in before)}


def message_problems(root: Path = ROOT, lang: str = "zh") -> list[str]:
    """One line per template of the code whose translation is missing, empty or fuzzy, or whose ``{fields}`` differ
    from the English; [] when every message can be said in ``lang``."""
    import string
    path = messages_catalog_path(root, lang)
    catalog = read(path)
    entries = {m.id: m for m in catalog if m.id} if catalog is not None else {}
    out = []

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}

    for template, where in message_templates(root).items():
        m = entries.get(template)
        if m is None or not m.string.strip():
            out.append(f"{where}: {template!r} is not translated in {path.name}: run `make translations`, then translate it")
        elif "fuzzy" in m.flags:
            out.append(f"{where}: {template!r} is fuzzy in {path.name}: check it and remove the flag")
        elif fields(m.string) != fields(template):
            out.append(f"{where}: {template!r}: the translation's fields {sorted(fields(m.string))} are not the "
                       f"English's {sorted(fields(template))}")
    return out
