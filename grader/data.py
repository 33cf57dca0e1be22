"""CIFAR10 for every notebook: the real dataset when it is under ``data/``, else an offline sample.

:func:`cifar10` returns a :class:`torchvision.datasets.CIFAR10`. When
``data/cifar-10-batches-py`` is there (``make data`` puts it there) it is the
real dataset, its files checked against torchvision's MD5 sums. Otherwise it is
the course's offline sample: 32x32 RGB images of ten procedurally drawn classes
(shapes and textures, :data:`SAMPLE_CLASSES`), built deterministically on first
use under ``data/cifar10-offline-sample/`` in CIFAR10's own python format
(``data_batch_1..5``, ``test_batch``, ``batches.meta``) and read through
torchvision's CIFAR10 code, checked against the MD5 sums written when it was
built. Either way one line says which one the learner is looking at.

:func:`download` (``make data``) fetches the real archive through torchvision
with a progress bar, checks it, extracts it next to the data folder and moves it
into place only when every file checks out, so a corrupted or cut-short download
leaves no half-extracted dataset behind.

``python -m grader.data download|sample|info`` runs these from a shell.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import pickle
import shutil
import socket
import sys
import tempfile
import urllib.error
from pathlib import Path

import numpy as np
from torchvision.datasets import CIFAR10
from torchvision.datasets.utils import calculate_md5, check_integrity, download_url, extract_archive

from . import ROOT


def _data_dir() -> Path:
    """``data/`` of the course checkout; $COURSE_DATA when set; for the learner kit installed as a package
    (no checkout around it), ``~/.cache/feature-map-course/data``."""
    if os.environ.get("COURSE_DATA"):
        return Path(os.environ["COURSE_DATA"]).expanduser().resolve()
    if (ROOT / "pyproject.toml").is_file() or (ROOT / "data").is_dir():
        return ROOT / "data"
    return Path.home() / ".cache" / "feature-map-course" / "data"


DATA_DIR = _data_dir()

#: The real dataset's class names, in label order (as in its ``batches.meta``).
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer",
                   "dog", "frog", "horse", "ship", "truck")
#: The offline sample's class names, in label order: what its images show.
SAMPLE_CLASSES = ("disc", "ring", "square", "triangle", "plus",
                  "horizontal stripes", "vertical stripes", "diagonal stripes", "checkerboard", "dots")

SAMPLE_FOLDER = "cifar10-offline-sample"
SAMPLE_VERSION = 1          # bump when the generator changes: an older sample is then rebuilt
SAMPLE_SEED = 20240808
SAMPLE_TRAIN_PER_BATCH = 1000  # five training batches, like CIFAR10's data_batch_1..5
SAMPLE_TEST = 1000
MANIFEST = "checksums.json"
TRAIN_FILES = [f"data_batch_{i}" for i in range(1, 6)]
TEST_FILE = "test_batch"
META_FILE = "batches.meta"

DOWNLOAD_TIMEOUT = 60.0  # seconds without data before a download gives up


class DataError(RuntimeError):
    """The dataset could not be downloaded, checked or extracted; the message says what to do."""


def _root(root) -> Path:
    return Path(root).expanduser().resolve() if root is not None else DATA_DIR


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------------------------
# The offline sample.

def _grid():
    y, x = np.mgrid[0:32, 0:32].astype(np.float32)
    return x + 0.5, y + 0.5


def _rotate(x, y, cx, cy, theta):
    c, s = np.cos(theta), np.sin(theta)
    dx, dy = x - cx, y - cy
    return c * dx + s * dy, -s * dx + c * dy


def _soft(d):
    """Coverage of a pixel from a signed distance (negative inside): a one-pixel antialiased edge."""
    return np.clip(0.5 - d, 0.0, 1.0)


def _shape_mask(label: int, rng: np.random.Generator, x, y) -> np.ndarray:
    cx, cy = rng.uniform(9.0, 23.0, size=2)
    r = rng.uniform(5.5, 10.5)
    theta = rng.uniform(0, 2 * np.pi)
    u, v = _rotate(x, y, cx, cy, theta)
    if label == 0:  # disc
        d = np.hypot(u, v) - r
    elif label == 1:  # ring
        d = np.abs(np.hypot(u, v) - r) - rng.uniform(1.0, 2.2)
    elif label == 2:  # square
        d = np.maximum(np.abs(u), np.abs(v)) - 0.8 * r
    elif label == 3:  # triangle (equilateral, centred on its centroid)
        angles = theta + np.array([np.pi / 2, np.pi / 2 + 2 * np.pi / 3, np.pi / 2 + 4 * np.pi / 3])
        d = np.max([(x - cx) * np.cos(a) + (y - cy) * np.sin(a) for a in angles], axis=0) - 0.55 * r
    else:  # plus
        w = r * rng.uniform(0.25, 0.4)
        d = np.minimum(np.maximum(np.abs(u) - w, np.abs(v) - r), np.maximum(np.abs(u) - r, np.abs(v) - w))
    return _soft(d)


def _texture_mask(label: int, rng: np.random.Generator, x, y) -> np.ndarray:
    period = rng.uniform(4.0, 9.0)
    phase = rng.uniform(0, 2 * np.pi)
    jitter = rng.normal(0.0, np.deg2rad(8))
    sharp = rng.uniform(1.5, 4.0)
    if label == 5:  # horizontal stripes
        _, v = _rotate(x, y, 16, 16, jitter)
        m = 0.5 + sharp * np.sin(2 * np.pi * v / period + phase)
    elif label == 6:  # vertical stripes
        u, _ = _rotate(x, y, 16, 16, jitter)
        m = 0.5 + sharp * np.sin(2 * np.pi * u / period + phase)
    elif label == 7:  # diagonal stripes, either diagonal
        u, _ = _rotate(x, y, 16, 16, rng.choice([np.pi / 4, -np.pi / 4]) + jitter)
        m = 0.5 + sharp * np.sin(2 * np.pi * u / period + phase)
    elif label == 8:  # checkerboard
        u, v = _rotate(x, y, 16, 16, jitter)
        m = 0.5 + sharp * np.sin(2 * np.pi * u / period + phase) * np.sin(2 * np.pi * v / period + phase)
    else:  # dots on a square lattice
        u, v = _rotate(x, y, 16, 16, jitter)
        period = rng.uniform(5.5, 9.0)
        du = (u / period + phase) % 1.0 - 0.5
        dv = (v / period + phase) % 1.0 - 0.5
        m = _soft((np.hypot(du, dv) - rng.uniform(0.2, 0.32)) * period)
    m = np.clip(m, 0.0, 1.0)
    # The texture fills a random window (at least half the image each way), not always the whole image.
    h, w = rng.integers(16, 33, size=2)
    top, left = rng.integers(0, 33 - h), rng.integers(0, 33 - w)
    window = np.zeros_like(m)
    window[top:top + h, left:left + w] = 1.0
    return m * window


def _colours(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A foreground and a background colour far enough apart to see the pattern."""
    while True:
        fg, bg = rng.uniform(0.0, 1.0, size=3), rng.uniform(0.0, 1.0, size=3)
        if np.linalg.norm(fg - bg) > 0.45:
            return fg, bg


def sample_image(label: int, rng: np.random.Generator) -> np.ndarray:
    """One 3x32x32 uint8 image of class ``label``: the class's mask over a shaded background, plus noise."""
    x, y = _grid()
    mask = _shape_mask(label, rng, x, y) if label < 5 else _texture_mask(label, rng, x, y)
    fg, bg = _colours(rng)
    # Background: a linear shade in a random direction, so a flat colour says nothing about the class.
    a = rng.uniform(0, 2 * np.pi)
    shade = ((x - 16) * np.cos(a) + (y - 16) * np.sin(a)) / 32 * rng.uniform(0.0, 0.5)
    img = (bg[:, None, None] + shade[None]) * (1 - mask[None]) + fg[:, None, None] * mask[None]
    img = img + rng.normal(0.0, rng.uniform(0.02, 0.1), size=img.shape)
    return np.clip(np.rint(img * 255), 0, 255).astype(np.uint8)


def sample_arrays(n: int, rng: np.random.Generator) -> tuple[np.ndarray, list[int]]:
    """``n`` images as CIFAR10 stores them (n x 3072 uint8, channel-major rows) and their labels, classes balanced."""
    labels = np.resize(np.arange(10), n)
    rng.shuffle(labels)
    data = np.stack([sample_image(int(k), rng).reshape(-1) for k in labels])
    return data, [int(k) for k in labels]


def _write_batch(path: Path, name: str, data: np.ndarray, labels: list[int]) -> None:
    entry = {"batch_label": name, "labels": labels, "data": data,
             "filenames": [f"{SAMPLE_CLASSES[k].replace(' ', '_')}_{i:05d}.png" for i, k in enumerate(labels)]}
    with open(path, "wb") as f:
        pickle.dump(entry, f, protocol=4)


def write_sample(folder: Path, train_per_batch: int = SAMPLE_TRAIN_PER_BATCH, test: int = SAMPLE_TEST,
                 seed: int = SAMPLE_SEED, classes=SAMPLE_CLASSES) -> dict[str, str]:
    """Write a CIFAR10-format dataset into ``folder`` (created); return each file's MD5.

    Same arguments, same bytes: the images come from one seeded generator.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i, name in enumerate(TRAIN_FILES):
        data, labels = sample_arrays(train_per_batch, rng)
        _write_batch(folder / name, f"training batch {i + 1} of 5 (offline sample)", data, labels)
    data, labels = sample_arrays(test, rng)
    _write_batch(folder / TEST_FILE, "testing batch 1 of 1 (offline sample)", data, labels)
    with open(folder / META_FILE, "wb") as f:
        pickle.dump({"label_names": list(classes), "num_cases_per_batch": train_per_batch,
                     "num_vis": 3072}, f, protocol=4)
    return {name: calculate_md5(folder / name) for name in TRAIN_FILES + [TEST_FILE, META_FILE]}


def _manifest(folder: Path) -> dict | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if manifest.get("version") == SAMPLE_VERSION else None


def build_sample(root=None, force: bool = False) -> Path:
    """Build the offline sample under ``root`` (default ``data/``) unless a current one is there.

    Built in a temporary folder beside it and renamed into place, so a crash or a
    second process building at the same time never leaves a half-written sample.
    """
    root = _root(root)
    folder = root / SAMPLE_FOLDER
    if not force and _manifest(folder) is not None:
        return folder
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{SAMPLE_FOLDER}.", dir=root))
    try:
        md5s = write_sample(tmp)
        (tmp / MANIFEST).write_text(json.dumps({"version": SAMPLE_VERSION, "seed": SAMPLE_SEED,
                                                "md5": md5s}, indent=1) + "\n")
        tmp.chmod(0o755)  # mkdtemp makes it private
        if folder.exists() and (force or _manifest(folder) is None):  # stale or damaged: replace it
            shutil.rmtree(folder, ignore_errors=True)
        try:
            tmp.rename(folder)
        except OSError:
            if _manifest(folder) is None:  # not another process's finished sample: a real failure
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


class OfflineSample(CIFAR10):
    """torchvision's CIFAR10 pointed at the offline sample's folder and the MD5s written when it was built."""

    base_folder = SAMPLE_FOLDER
    url = filename = tgz_md5 = None

    def __init__(self, root, train: bool = True, transform=None, target_transform=None) -> None:
        manifest = _manifest(Path(root) / SAMPLE_FOLDER)
        if manifest is None:
            raise RuntimeError(f"no offline sample under {root}: build it with grader.data.build_sample()")
        md5 = manifest["md5"]
        self.train_list = [[name, md5[name]] for name in TRAIN_FILES]
        self.test_list = [[TEST_FILE, md5[TEST_FILE]]]
        self.meta = {"filename": META_FILE, "key": "label_names", "md5": md5[META_FILE]}
        super().__init__(root, train=train, transform=transform, target_transform=target_transform)

    def download(self) -> None:
        raise RuntimeError("the offline sample is built, not downloaded: grader.data.build_sample()")


# ---------------------------------------------------------------------------------------------
# The loader every notebook uses.

def real_folder(root=None) -> Path:
    return _root(root) / CIFAR10.base_folder


def _real_files() -> list[tuple[str, str]]:
    return [tuple(f) for f in CIFAR10.train_list + CIFAR10.test_list] + [(CIFAR10.meta["filename"], CIFAR10.meta["md5"])]


def cifar10(train: bool = True, root=None, transform=None, target_transform=None,
            verbose: bool = True) -> CIFAR10:
    """CIFAR10's training (``train=True``) or test split as a ``torchvision.datasets.CIFAR10``.

    The real dataset when ``<root>/cifar-10-batches-py`` is there and its checksums
    match; otherwise the offline sample (built on first use). Prints one line saying
    which (``verbose=False`` to skip it). ``dataset.classes`` holds the class names.
    """
    root = _root(root)
    split = "train" if train else "test"
    folder = real_folder(root)
    problem = ""
    if folder.is_dir():
        try:
            ds = CIFAR10(root, train=train, transform=transform, target_transform=target_transform)
        except RuntimeError:
            problem = f"{_display(folder)} is incomplete or corrupted (checksums differ); "
        else:
            if verbose:
                print(f"CIFAR10: the real dataset, {split} split, {len(ds)} images ({_display(folder)})")
            return ds
    try:
        build_sample(root)
    except OSError:  # data/ is read-only here (the grading sandbox): build the sample in the temp folder
        root = Path(tempfile.gettempdir()) / "feature-map-course-data"
        build_sample(root)
    try:
        ds = OfflineSample(root, train=train, transform=transform, target_transform=target_transform)
    except RuntimeError:  # a file no longer matches its checksum: build it again
        build_sample(root, force=True)
        ds = OfflineSample(root, train=train, transform=transform, target_transform=target_transform)
    if verbose:
        print(f"CIFAR10: {problem}the OFFLINE SAMPLE (drawn shapes and textures, not photos), {split} split, "
              f"{len(ds)} images ({_display(root / SAMPLE_FOLDER)}); `make data` downloads the real one")
    return ds


def is_sample(dataset) -> bool:
    """Whether ``dataset`` (from :func:`cifar10`) is the offline sample rather than the real CIFAR10."""
    return isinstance(dataset, OfflineSample)


# ---------------------------------------------------------------------------------------------
# Downloading the real dataset.

NO_NETWORK = """\
Could not download CIFAR10 from {url}:
  {error}
Without a network the course runs on its offline sample, built automatically: nothing to do.
For the real dataset, download {url}
on a machine with a network ({size}, MD5 {md5}), copy it to {archive}
and run `make data` again: it checks the file, then extracts it without downloading."""


def download(root=None, timeout: float = DOWNLOAD_TIMEOUT, out=print) -> Path:
    """Download, check and extract the real CIFAR10 into ``<root>/cifar-10-batches-py``; return that folder.

    Uses torchvision's ``CIFAR10.url``, ``tgz_md5`` and file checksums. An archive
    already at ``<root>/cifar-10-python.tar.gz`` with the right MD5 is used without
    downloading. Raises :class:`DataError` with what to do when the network is
    unreachable, the archive's MD5 is wrong (the bad file is deleted), or the
    extracted files do not match their checksums (nothing is left extracted).
    """
    root = _root(root)
    folder = real_folder(root)
    files = _real_files()
    if folder.is_dir() and all(check_integrity(folder / name, md5) for name, md5 in files):
        out(f"CIFAR10 is already in {_display(folder)} and its checksums match: nothing to do")
        return folder
    root.mkdir(parents=True, exist_ok=True)
    archive = root / CIFAR10.filename
    if not check_integrity(archive, CIFAR10.tgz_md5):
        out(f"downloading {CIFAR10.url} to {_display(archive)}")
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        download_url(CIFAR10.url, str(root), CIFAR10.filename, CIFAR10.tgz_md5)
    except RuntimeError:  # torchvision: the file's MD5 is not tgz_md5
        got = calculate_md5(archive) if archive.is_file() else "no file"
        size = archive.stat().st_size if archive.is_file() else 0
        archive.unlink(missing_ok=True)
        raise DataError(f"the downloaded archive is corrupted or incomplete: {size} bytes with MD5 {got}, "
                        f"expected MD5 {CIFAR10.tgz_md5}. It was deleted; run `make data` again.") from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
        archive.unlink(missing_ok=True)
        raise DataError(NO_NETWORK.format(url=CIFAR10.url, error=f"{type(e).__name__}: {e}", size="about 170 MB",
                                          md5=CIFAR10.tgz_md5, archive=_display(archive))) from None
    finally:
        socket.setdefaulttimeout(previous)
    out(f"{_display(archive)}: MD5 {CIFAR10.tgz_md5} matches; extracting")
    tmp = Path(tempfile.mkdtemp(prefix=f".{CIFAR10.base_folder}.", dir=root))
    try:
        try:
            extract_archive(str(archive), str(tmp))
        except Exception as e:
            archive.unlink(missing_ok=True)
            raise DataError(f"could not extract {_display(archive)} ({type(e).__name__}: {e}); nothing was "
                            f"kept and the archive was deleted. Run `make data` again.") from None
        bad = [name for name, md5 in files if not check_integrity(tmp / CIFAR10.base_folder / name, md5)]
        if bad:
            archive.unlink(missing_ok=True)
            raise DataError(f"{_display(archive)} extracted, but {', '.join(bad)} missing or with the wrong "
                            f"checksum; nothing was kept and the archive was deleted. Run `make data` again.")
        if folder.exists():
            shutil.rmtree(folder)
        (tmp / CIFAR10.base_folder).rename(folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out(f"CIFAR10 is ready in {_display(folder)}: every notebook now uses it")
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.data", description="CIFAR10 for the course")
    parser.add_argument("--root", type=Path, default=None, help="dataset folder (default: data/ in this checkout)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("download", help="download the real CIFAR10 into data/ (needs a network)")
    sub.add_parser("sample", help="build the offline sample into data/ (no network needed)")
    sub.add_parser("info", help="say which dataset the notebooks will use")
    args = parser.parse_args(argv)
    try:
        if args.command == "download":
            download(args.root)
        elif args.command == "sample":
            folder = build_sample(args.root)
            print(f"offline sample ready in {_display(folder)}")
        else:
            for train in (True, False):
                cifar10(train, args.root)
    except DataError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
