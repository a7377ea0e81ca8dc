"""Data files written from scikit-learn's bundled data sets and generators (no downloads),
once per session."""

from __future__ import annotations

import numpy as np
import pytest

import pandas as pd


def _datasets():
    """scikit-learn's bundled data sets (the train extra): tests that need them skip without."""
    return pytest.importorskip("sklearn.datasets")


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def wine_csv(data_dir):
    frame = _datasets().load_wine(as_frame=True).frame.rename(columns={"target": "label"})
    path = data_dir / "wine.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def breast_cancer_parquet(data_dir):
    frame = _datasets().load_breast_cancer(as_frame=True).frame
    path = data_dir / "breast_cancer.parquet"
    frame.to_parquet(path, row_group_size=100)  # several row groups: streamed
    return path


@pytest.fixture(scope="session")
def diabetes_tsv(data_dir):
    frame = _datasets().load_diabetes(as_frame=True, scaled=False).frame
    path = data_dir / "diabetes.tsv"
    frame.to_csv(path, index=False, sep="\t")
    return path


@pytest.fixture(scope="session")
def digits_csv(data_dir):
    frame = _datasets().load_digits(as_frame=True).frame.rename(columns={"target": "digit"})
    path = data_dir / "digits.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def digits_npz(data_dir):
    digits = _datasets().load_digits()
    path = data_dir / "digits.npz"
    np.savez(path, x=digits.images, y=digits.target)
    return path


@pytest.fixture(scope="session")
def multilabel_parquet(data_dir):
    x, y = _datasets().make_multilabel_classification(n_samples=300, n_features=12, n_classes=4,
                                                   random_state=0)
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(12)])
    for i in range(4):
        frame[f"tag{i}"] = y[:, i]
    path = data_dir / "tags.parquet"
    frame.to_parquet(path)
    return path, y


@pytest.fixture(scope="session")
def imbalanced_csv(data_dir):
    x, y = _datasets().make_classification(n_samples=2000, n_features=8, weights=[0.95, 0.05],
                                        flip_y=0, random_state=0)
    frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(8)])
    frame["fraud"] = np.where(y == 1, "yes", "no")
    path = data_dir / "fraud.csv"
    frame.to_csv(path, index=False)
    return path, int((y == 1).sum())


def _image_folder(root, classes, size, mode, count, seed=0):
    from PIL import Image

    rng = np.random.default_rng(seed)
    channels = {"RGB": 3, "L": 1}[mode]
    for name in classes:
        folder = root / name
        folder.mkdir(parents=True)
        for i in range(count):
            shape = (size[1], size[0], channels) if channels > 1 else (size[1], size[0])
            pixels = rng.integers(0, 256, shape, dtype=np.uint8)
            Image.fromarray(pixels, mode=None).save(folder / f"{i}.png")
    return root


@pytest.fixture(scope="session")
def rgb_images(data_dir):
    return _image_folder(data_dir / "animals", ["cat", "dog", "owl"], (24, 32), "RGB", 10)


@pytest.fixture(scope="session")
def gray_images(data_dir):
    return _image_folder(data_dir / "xrays", ["normal", "pneumonia"], (16, 16), "L", 6)


WORDS = ("the a movie film plot actor scene story music ending great awful good bad boring "
         "brilliant dull moving funny long").split()


@pytest.fixture(scope="session")
def reviews_csv(data_dir):
    rng = np.random.default_rng(1)
    rows = []
    for i in range(400):
        length = int(rng.integers(5, 60))
        rows.append({"id": i, "review": " ".join(rng.choice(WORDS, length)),
                     "sentiment": "positive" if rng.random() < 0.3 else "negative"})
    frame = pd.DataFrame(rows)
    path = data_dir / "reviews.csv"
    frame.to_csv(path, index=False)
    lengths = frame["review"].str.split().str.len()
    return path, frame, int(np.ceil(np.percentile(lengths, 95)))


@pytest.fixture(scope="session")
def series_csv(data_dir):
    rng = np.random.default_rng(2)
    steps = np.arange(600)
    frame = pd.DataFrame({"step": steps,
                          "temperature": np.sin(steps / 15) + rng.normal(0, 0.1, len(steps)),
                          "pressure": rng.normal(1000, 5, len(steps))})
    path = data_dir / "series.csv"
    frame.to_csv(path, index=False)
    return path, frame
