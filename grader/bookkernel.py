"""What ``make book`` runs inside a notebook's kernel (``grader/book.py``): the Chinese edition's cells and fonts.

The two editions of a notebook differ only in the string literals and comments of some teaching cells
(figure titles, print labels). The book runs the English notebook once; just before a cell whose Chinese
code differs, it asks the kernel (a silent request) to :func:`fork`: the child process, which has the
kernel's whole state at that point, runs the Chinese version with a CJK font for matplotlib, writes its
outputs to ``<folder>/<cell id>.json`` and exits, while the kernel goes on with the English cell. The
last request, :func:`wait`, reaps the children. A cell whose child wrote nothing (it failed or hung)
is run again by the book in a full run of the Chinese notebook; so is one that tries to write a file
(the English run beside it shares the files), and after that no cell of that notebook forks.
"""
from __future__ import annotations

import base64
import io
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

# matplotlib's names of the CJK fonts the book looks for, first found wins. Debian's fonts-wqy-microhei
# (make fonts) is the one the course installs; the others are what other systems have.
CJK_FONTS = ("WenQuanYi Micro Hei", "Noto Sans CJK SC", "Source Han Sans SC", "Droid Sans Fallback",
             "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "SimHei")
CJK_FILES = ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
             "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
             "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf")
LANGUAGE = "zh-CN"  # the edition a child runs a cell for (grader.runtime.messages speaks it there)
LIVE = 2  # children running at once (the machine's cores are shared with the English run)
FORK_TIMEOUT = 120  # seconds a child may take (a cell of the course takes a few); then it is killed
FULL_RUN = ".full-run"  # in the fork folder: a child wanted to write; the Chinese notebook runs in full instead
# What a child may not do: it shares the files of the English run, which goes on beside it. (Opening a
# file to write is the "open" event; /dev/null, which imports open, is no file, and caches are left alone.)
WRITES = {"os.mkdir", "os.rename", "os.remove", "os.rmdir", "os.symlink", "os.link", "os.truncate", "os.chmod",
          "os.chown", "os.utime", "shutil.rmtree", "shutil.move"}
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

_children: list[int] = []


def cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can draw with, or None. A font file installed after
    matplotlib built its font cache is added to it here."""
    from matplotlib import font_manager

    known = {f.name for f in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in known:
            return name
    for path in CJK_FILES:
        if os.path.isfile(path):
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
    return None


def use_cjk_font() -> str:
    """Make matplotlib draw CJK characters: the CJK font goes after the current families, so that Latin
    text keeps its font and only what that font lacks falls back to it. Returns the font's name;
    RuntimeError when there is none."""
    import matplotlib

    name = cjk_font()
    if name is None:
        raise RuntimeError("no CJK font for matplotlib's Chinese figure titles: `make fonts` installs "
                           "Debian's fonts-wqy-microhei")
    families = list(matplotlib.rcParams["font.family"])
    if name not in families:
        matplotlib.rcParams["font.family"] = [*families, name]
    return name


def _plain(value):
    """JSON for a display's data: bytes as base64, as Jupyter sends them."""
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def capture(code: str) -> list[dict]:
    """Run ``code`` as a cell in this kernel and return its outputs as nbformat output dicts, in order
    (streams, displays, the last expression's result, an error). For a child process: it replaces the
    kernel's output channels for good."""
    import comm
    from IPython import get_ipython
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher

    shell = get_ipython()
    outputs: list[dict] = []
    clear = {"wait": False}

    def add(out: dict) -> None:
        if clear["wait"]:
            outputs.clear()
            clear["wait"] = False
        last = outputs[-1] if outputs else None
        if out["output_type"] == "stream" and last and last["output_type"] == "stream" and last["name"] == out["name"]:
            last["text"] += out["text"]
        else:
            outputs.append(out)

    class Stream(io.TextIOBase):  # what a cell sees as sys.stdout: no fileno, as in a kernel's StringIO
        def __init__(self, name: str):
            super().__init__()
            self.stream_name = name

        @property
        def encoding(self) -> str:
            return "utf-8"

        def writable(self) -> bool:
            return True

        def write(self, text: str) -> int:
            if text:
                add({"output_type": "stream", "name": self.stream_name, "text": text})
            return len(text)

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **_):
            add({"output_type": "display_data", "data": _plain(data), "metadata": _plain(metadata or {})})

        def clear_output(self, wait=False):
            if wait:
                clear["wait"] = True
            else:
                outputs.clear()

    class Hook(DisplayHook):
        def __call__(self, result=None):
            if result is None:
                return
            data, metadata = self.shell.display_formatter.format(result)
            add({"output_type": "execute_result", "data": _plain(data), "metadata": _plain(metadata),
                 "execution_count": None})

    # No message may reach the kernel's sockets from here: they belong to the parent process.
    comm.create_comm = lambda *args, **kwargs: comm.DummyComm(*args, **kwargs)
    shell.display_pub = Publisher(shell=shell)
    hook = Hook(shell=shell)
    shell.displayhook = shell.display_trap.hook = sys.displayhook = hook
    shell._showtraceback = lambda etype, evalue, stb: add(
        {"output_type": "error", "ename": etype.__name__, "evalue": str(evalue), "traceback": list(stb)})
    sys.stdout, sys.stderr = Stream("stdout"), Stream("stderr")
    shell.run_cell(code, store_history=False)
    return outputs


class Guard:
    """An audit hook that stops a child from changing files (it would change what the English run, beside
    it, sees): the first attempt raises PermissionError, and is kept."""

    def __init__(self):
        self.on, self.tried = False, None
        # Caches are made for processes that share them: torch's compiled kernels, ~/.cache, matplotlib's.
        import matplotlib
        home = os.path.expanduser("~")
        self.caches = tuple(os.path.realpath(p) for p in (
            os.path.join(tempfile.gettempdir(), "torchinductor_"), os.path.join(home, ".cache") + os.sep,
            os.environ.get("XDG_CACHE_HOME") or os.path.join(home, ".cache"), matplotlib.get_cachedir()))

    def cache(self, path) -> bool:
        try:
            return os.path.realpath(os.fsdecode(path)).startswith(self.caches)
        except (TypeError, ValueError):
            return False

    def __call__(self, event: str, args: tuple) -> None:
        if not self.on:
            return
        if event == "open":
            path, mode, flags = (tuple(args) + (None, None))[:3]
            writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & WRITE_FLAGS)
            if not writes or isinstance(path, int) or path == os.devnull or self.cache(path):
                return
        elif event not in WRITES or (args and self.cache(args[0])):
            return
        self.tried = self.tried or f"{event} {args[0] if args else ''}"
        raise PermissionError(f"the book's Chinese cell may not {event} here: {args[:1]}")


def fork(cell_id: str, code: str, folder: str) -> None:
    """Run ``code`` (the Chinese version of the cell about to run) in a child of this kernel, with the
    kernel's state as it is now, and write its outputs to ``<folder>/<cell_id>.json``. Returns at once.

    A child that tries to write a file is stopped there (:class:`Guard`) and writes
    ``<folder>/.full-run`` instead; after that no cell of this notebook forks (the book runs the Chinese
    notebook in full)."""
    if os.path.exists(os.path.join(folder, FULL_RUN)):
        return
    _wait(LIVE - 1, FORK_TIMEOUT)
    pid = os.fork()
    if pid:
        _children.append(pid)
        return
    code_ = 1
    try:
        if "torch" in sys.modules:  # OpenMP's threads do not survive a fork: the book's kernels use one
            sys.modules["torch"].set_num_threads(1)
        use_cjk_font()
        guard = Guard()
        sys.addaudithook(guard)
        from grader.runtime.messages import speaking

        guard.on = True
        with speaking(LANGUAGE):  # what the grader's messages say (an explorer's labels) is Chinese too
            outputs = capture(code)
        guard.on = False
        if guard.tried:
            Path(folder, FULL_RUN).write_text(f"{cell_id}: {guard.tried}\n", encoding="utf-8")
        else:
            path = Path(folder) / f"{cell_id}.json"
            part = path.with_suffix(".part")
            part.write_text(json.dumps(outputs), encoding="utf-8")
            part.rename(path)
        code_ = 0
    finally:
        os._exit(code_)


def _wait(most: int, timeout: float) -> int:
    """Reap children until at most ``most`` run; those still running after ``timeout`` seconds are
    killed, oldest first. Returns how many were killed."""
    deadline, killed = time.monotonic() + timeout, 0
    while len(_children) > most:
        for pid in list(_children):
            if os.waitpid(pid, os.WNOHANG)[0]:
                _children.remove(pid)
        if len(_children) > most and time.monotonic() > deadline:
            pid = _children.pop(0)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            killed += 1
        elif len(_children) > most:
            time.sleep(0.02)
    return killed


def wait(timeout: float = FORK_TIMEOUT) -> int:
    """Reap every child of :func:`fork`; those still running after ``timeout`` seconds are killed (their
    cells are run again in a full run of the Chinese notebook). Returns how many were killed."""
    return _wait(0, timeout)
