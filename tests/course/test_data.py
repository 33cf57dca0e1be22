"""grader.data: the offline CIFAR10 sample, the loader, and the real download against a local server."""
import functools
import hashlib
import http.server
import shutil
import socket
import tarfile
import threading

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchvision.datasets import CIFAR10
from torchvision.transforms import ToTensor

from grader import data


def md5(path):
    return hashlib.md5(path.read_bytes()).hexdigest()


def leftovers(root):
    """The names in ``root``: after a failed download there must be none (no archive, no partial folder)."""
    return sorted(p.name for p in root.iterdir()) if root.exists() else []


# ---------------------------------------------------------------------------------------------
# The offline sample.

def test_sample_is_built_deterministically(tmp_path):
    small = [data.write_sample(tmp_path / f"s{i}", train_per_batch=20, test=10) for i in range(2)]
    assert small[0] == small[1]
    assert data.write_sample(tmp_path / "other", train_per_batch=20, test=10, seed=1) != small[0]
    full = data.build_sample(tmp_path / "full")
    committed = data.build_sample()  # the sample every notebook uses, under data/
    assert md5(full / "data_batch_1") == md5(committed / "data_batch_1")
    assert {p.name for p in full.iterdir()} == set(data.TRAIN_FILES) | {"test_batch", "batches.meta", data.MANIFEST}
    assert not list(tmp_path.glob("full/.*")), "no temporary folder is left beside the sample"


def test_sample_is_read_through_torchvisions_cifar10(tmp_path, capsys):
    train = data.cifar10(root=tmp_path)
    test = data.cifar10(False, root=tmp_path, transform=ToTensor())
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("OFFLINE SAMPLE" in line for line in lines), lines
    assert "train split, 5000 images" in lines[0] and "test split, 1000 images" in lines[1]
    assert isinstance(train, CIFAR10) and data.is_sample(train)
    assert (len(train), len(test)) == (5000, 1000)
    assert train.classes == list(data.SAMPLE_CLASSES) and len(set(train.classes)) == 10
    assert train.data.shape == (5000, 32, 32, 3) and train.data.dtype == np.uint8
    assert np.bincount(train.targets).tolist() == [500] * 10 and np.bincount(test.targets).tolist() == [100] * 10
    image, label = train[0]
    assert image.size == (32, 32) and image.mode == "RGB" and 0 <= label < 10
    x, _ = test[0]
    assert x.shape == (3, 32, 32) and x.dtype == torch.float32
    assert not (tmp_path / CIFAR10.base_folder).exists(), "the sample never takes the real dataset's folder"
    assert not np.array_equal(train.data[:1000], test.data), "train and test images differ"


def test_sample_images_are_not_trivial(tmp_path):
    ds = data.cifar10(root=tmp_path, verbose=False)
    x = torch.from_numpy(ds.data).float()
    y = torch.tensor(ds.targets)
    means = torch.stack([x[y == k].mean(dim=(0, 1, 2)) for k in range(10)])  # mean colour per class
    assert means.std(dim=0).max() < 12, "colour alone does not give the class away"
    assert len({hashlib.md5(row.tobytes()).hexdigest() for row in ds.data}) == len(ds), "no duplicate images"


def test_a_small_cnn_learns_the_sample_on_a_cpu():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # on 2 shared cores one thread is steadier than two spinning ones
    try:
        torch.manual_seed(0)
        root = data.build_sample().parent  # the sample under data/, even where the real dataset is there too
        train, test = data.OfflineSample(root, train=True), data.OfflineSample(root, train=False)
        x, y = torch.from_numpy(train.data).permute(0, 3, 1, 2) / 255, torch.tensor(train.targets)
        model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                              nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))
        opt = torch.optim.Adam(model.parameters(), lr=3e-3)
        gen = torch.Generator().manual_seed(0)
        for _ in range(2):
            order = torch.randperm(len(x), generator=gen)
            for i in range(0, len(x), 64):
                batch = order[i:i + 64]
                opt.zero_grad()
                F.cross_entropy(model(x[batch]), y[batch]).backward()
                opt.step()
        model.eval()
        with torch.no_grad():
            scores = model(torch.from_numpy(test.data).permute(0, 3, 1, 2) / 255)
        accuracy = (scores.argmax(1) == torch.tensor(test.targets)).float().mean().item()
    finally:
        torch.set_num_threads(threads)
    assert accuracy > 0.3, f"test accuracy {accuracy:.2f} after two epochs; chance is 0.10"


def test_a_damaged_sample_is_rebuilt(tmp_path, capsys):
    folder = data.build_sample(tmp_path)
    good = md5(folder / "data_batch_3")
    raw = bytearray((folder / "data_batch_3").read_bytes())
    raw[5000] ^= 0xFF
    (folder / "data_batch_3").write_bytes(bytes(raw))
    assert len(data.cifar10(root=tmp_path)) == 5000
    assert md5(folder / "data_batch_3") == good


def test_sample_is_built_in_the_temp_folder_when_data_is_read_only(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(data.tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    ds = data.cifar10(False, root=blocker / "data")
    assert data.is_sample(ds) and len(ds) == 1000
    assert (tmp_path / "tmp" / "feature-map-course-data" / data.SAMPLE_FOLDER).is_dir()
    assert "OFFLINE SAMPLE" in capsys.readouterr().out


def test_a_corrupted_real_dataset_falls_back_to_the_sample_and_says_so(tmp_path, capsys):
    (tmp_path / CIFAR10.base_folder).mkdir()
    (tmp_path / CIFAR10.base_folder / "data_batch_1").write_bytes(b"half a file")
    ds = data.cifar10(root=tmp_path)
    out = capsys.readouterr().out
    assert data.is_sample(ds)
    assert "incomplete or corrupted" in out and "OFFLINE SAMPLE" in out and len(out.splitlines()) == 1


# ---------------------------------------------------------------------------------------------
# Downloading: a CIFAR10-format archive served on 127.0.0.1.

class Server:
    """A static file server on a free port of 127.0.0.1; counts the requests it answers."""

    def __init__(self, folder):
        self.requests = []
        server = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                server.requests.append(self.path)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(folder)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def archive(tmp_path):
    """A small dataset in CIFAR10's layout, tarred and gzipped as cifar-10-python.tar.gz; its checksums."""
    src = tmp_path / "src"
    files = data.write_sample(src / CIFAR10.base_folder, train_per_batch=12, test=8, seed=7,
                              classes=data.CIFAR10_CLASSES)
    (tmp_path / "www").mkdir()
    path = tmp_path / "www" / CIFAR10.filename
    with tarfile.open(path, "w:gz") as tar:
        tar.add(src / CIFAR10.base_folder, arcname=CIFAR10.base_folder)
    return path, files


@pytest.fixture
def served(archive, monkeypatch):
    """The archive on a local HTTP server, and torchvision's CIFAR10 pointed at it and its checksums."""
    path, files = archive
    server = Server(path.parent)
    monkeypatch.setattr(CIFAR10, "url", f"{server.url}/{CIFAR10.filename}")
    monkeypatch.setattr(CIFAR10, "tgz_md5", md5(path))
    monkeypatch.setattr(CIFAR10, "train_list", [[n, files[n]] for n in data.TRAIN_FILES])
    monkeypatch.setattr(CIFAR10, "test_list", [["test_batch", files["test_batch"]]])
    monkeypatch.setattr(CIFAR10, "meta", {"filename": "batches.meta", "key": "label_names",
                                          "md5": files["batches.meta"]})
    yield path, server
    server.close()


def test_download_fetches_verifies_and_extracts(served, tmp_path, capsys):
    path, server = served
    root = tmp_path / "data"
    folder = data.download(root)
    captured = capsys.readouterr()
    assert folder == root / CIFAR10.base_folder and folder.is_dir()
    assert server.requests and "100%" in captured.err, "torchvision's progress bar ran"
    assert "matches" in captured.out and "ready" in captured.out
    ds = data.cifar10(root=root)
    assert "the real dataset, train split, 60 images" in capsys.readouterr().out
    assert not data.is_sample(ds) and type(ds) is CIFAR10 and ds.classes == list(data.CIFAR10_CLASSES)
    assert len(data.cifar10(False, root=root, verbose=False)) == 8
    assert leftovers(root) == sorted([CIFAR10.base_folder, CIFAR10.filename])

    server.requests.clear()
    data.download(root)
    assert "nothing to do" in capsys.readouterr().out and not server.requests


def test_an_archive_already_in_data_is_used_without_a_network(served, tmp_path, monkeypatch, capsys):
    path, server = served
    root = tmp_path / "data"
    root.mkdir()
    shutil.copy(path, root / CIFAR10.filename)
    server.close()
    assert data.download(root).is_dir()
    assert not server.requests


@pytest.mark.parametrize("damage", ["flipped byte", "truncated"])
def test_a_damaged_download_is_refused_and_nothing_is_left(served, tmp_path, damage):
    path, server = served
    raw = bytearray(path.read_bytes())
    if damage == "flipped byte":
        raw[len(raw) // 2] ^= 0xFF
    else:
        raw = raw[: len(raw) // 2]
    path.write_bytes(bytes(raw))
    root = tmp_path / "data"
    with pytest.raises(data.DataError, match="corrupted or incomplete.*expected MD5.*deleted"):
        data.download(root)
    assert leftovers(root) == []
    assert data.is_sample(data.cifar10(root=root, verbose=False))


def test_a_truncated_archive_with_a_matching_checksum_leaves_no_half_extracted_dataset(served, tmp_path, monkeypatch):
    path, server = served
    path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    monkeypatch.setattr(CIFAR10, "tgz_md5", md5(path))  # the checksum cannot tell: extraction must
    root = tmp_path / "data"
    with pytest.raises(data.DataError, match="could not extract.*nothing was kept"):
        data.download(root)
    assert leftovers(root) == []


def test_extracted_files_with_wrong_checksums_are_not_kept(served, tmp_path, monkeypatch):
    monkeypatch.setattr(CIFAR10, "train_list", CIFAR10.train_list[:1] + [["data_batch_2", "0" * 32]] + CIFAR10.train_list[2:])
    root = tmp_path / "data"
    with pytest.raises(data.DataError, match="data_batch_2 missing or with the wrong checksum"):
        data.download(root)
    assert leftovers(root) == []


def test_a_connection_cut_short_is_an_error_and_leaves_nothing(archive, tmp_path, monkeypatch):
    path, _ = archive
    body = path.read_bytes()

    class Cut(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 3])
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Cut)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setattr(CIFAR10, "url", f"http://127.0.0.1:{httpd.server_address[1]}/{CIFAR10.filename}")
        monkeypatch.setattr(CIFAR10, "tgz_md5", md5(path))
        root = tmp_path / "data"
        with pytest.raises(data.DataError):
            data.download(root, timeout=10)
        assert leftovers(root) == []
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def test_no_network_says_what_to_do(tmp_path, monkeypatch, capsys):
    with socket.socket() as s:  # a port on which nothing listens
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(CIFAR10, "url", f"http://127.0.0.1:{port}/{CIFAR10.filename}")
    assert data.main(["--root", str(tmp_path / "data"), "download"]) == 1
    err = capsys.readouterr().err
    assert "Could not download CIFAR10" in err and "offline sample" in err and "make data" in err
    assert CIFAR10.filename in err and leftovers(tmp_path / "data") == []
