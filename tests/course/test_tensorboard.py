"""TensorBoard as a real component: a short training run, then the real server reads it back over HTTP."""
import json
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import torch
import torchvision.transforms as T
from torch.utils.data import DataLoader, Subset
from torch.utils.tensorboard import SummaryWriter

from course import PRELUDE, ROOT, graded, notebook
from grader import data

ASSIGNMENT = "08_cifar10_tensorboard"
WAIT = 60  # seconds for the server to start and load the run


def solution_functions():
    """make_cnn, train_epoch and log_activations as the solution notebook defines them."""
    namespace = {"__name__": "__main__"}
    for name in ("make_cnn", "train_epoch", "log_activations"):
        exec(compile(PRELUDE + graded(notebook(ASSIGNMENT), name).source, f"<{name}>", "exec"), namespace)
    return namespace


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Two short epochs of the batch-norm network on the offline sample, logged under runs/batch."""
    logdir = tmp_path_factory.mktemp("runs")
    fns = solution_functions()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(0)
        root = data.build_sample().parent  # the offline sample, even where the real dataset is there too
        images = data.OfflineSample(root, train=True, transform=T.Compose([T.ToTensor(), T.Normalize((0.5,) * 3, (0.5,) * 3)]))
        loader = DataLoader(Subset(images, range(256)), batch_size=64)
        model = fns["make_cnn"]("batch")
        optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
        with SummaryWriter(logdir / "batch") as writer:
            means = [fns["train_epoch"](model, loader, optimizer, writer, epoch) for epoch in range(2)]
            fns["log_activations"](writer, model, next(iter(loader))[0][:8], 8)
    finally:
        torch.set_num_threads(threads)
    return logdir, means


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tensorboard_command(logdir, port):
    exe = Path(sys.executable).parent / "tensorboard"
    base = [str(exe)] if exe.exists() else [sys.executable, "-m", "tensorboard.main"]
    return base + ["--logdir", str(logdir), "--host", "127.0.0.1", "--port", str(port),
                   "--reload_interval", "1", "--load_fast", "false"]


def get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return json.load(response)


def test_tensorboard_server_shows_the_training_run(run):
    logdir, means = run
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(tensorboard_command(logdir, port), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        deadline, tags, last_error = time.monotonic() + WAIT, {}, None
        while time.monotonic() < deadline:
            if server.poll() is not None:
                pytest.fail(f"TensorBoard exited with {server.returncode}:\n{server.stdout.read()}")
            try:
                tags = get(f"{base}/data/plugin/scalars/tags")
                if "loss/train" in tags.get("batch", {}):
                    break
            except OSError as e:  # not listening yet, or still loading
                last_error = e
            time.sleep(0.3)
        else:
            pytest.fail(f"TensorBoard did not serve the run's scalars within {WAIT} s (tags {tags}, last error {last_error})")

        assert get(f"{base}/data/runs") == ["batch"]
        query = urllib.parse.urlencode({"run": "batch", "tag": "loss/train"})
        series = get(f"{base}/data/plugin/scalars/scalars?{query}")
        steps = [step for _, step, _ in series]
        values = [value for _, _, value in series]
        assert steps == list(range(8)), "4 batches per epoch, 2 epochs: steps 0..7"
        for epoch, mean in enumerate(means):
            assert sum(values[4 * epoch:4 * epoch + 4]) / 4 == pytest.approx(mean, rel=1e-5)
        assert all(0 < v < 5 for v in values)

        histograms = get(f"{base}/data/plugin/histograms/tags")["batch"]
        assert {"activations/norm1", "activations/norm2", "activations/norm3"} <= set(histograms)
        assert "images/input" in get(f"{base}/data/plugin/images/tags")["batch"]
    finally:
        server.terminate()
        try:
            server.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate(timeout=10)
    assert server.returncode is not None


def test_make_tensorboard_serves_runs_on_localhost():
    port = free_port()
    out = subprocess.run(["make", "-n", "tensorboard", f"TB_PORT={port}"], cwd=ROOT, capture_output=True,
                         text=True, timeout=30).stdout
    command = [line for line in out.splitlines() if "--logdir" in line]
    assert command, out
    assert '--logdir "runs"' in command[-1] and "--host 127.0.0.1" in command[-1] and f"--port {port}" in command[-1]
    assert f"http://127.0.0.1:{port}/" in out
    other = subprocess.run(["make", "-n", "tensorboard", "TB_LOGDIR=/tmp/other runs"], cwd=ROOT, capture_output=True,
                           text=True, timeout=30).stdout
    assert '--logdir "/tmp/other runs"' in other and "--port 6006" in other, other
