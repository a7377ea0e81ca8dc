"""Folders of images: one sub-folder per class (``images/cat/1.png``, ``images/dog/2.jpg``).

Profiling reads image headers (size, mode) of up to IMAGE_SAMPLE files spread over the folder;
loading decodes every file. Grayscale-only folders become 1 channel, anything else 3 (RGB;
alpha and palettes are converted). The most common size is the input size; other sizes are
resized to it when loading (a note says so).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import AdvisorError
from ._formats import IMAGE_SUFFIXES
from ._measure import IMAGE_SAMPLE, Measure, finish
from .models import ProfiledData

GRAY_MODES = {"1", "L", "LA", "I", "I;16", "I;16B", "I;16L", "F"}


def list_images(folder: Path, *, one_class: bool = False
                ) -> tuple[list[str], list[tuple[Path, int]], list[str]]:
    """(classes, [(file, class code)], notes). ``one_class`` (anomaly detection: normal images
    only) also takes a flat folder of images, or a single class sub-folder."""
    where = str(folder)
    try:
        entries = sorted(folder.iterdir())
    except OSError as exc:
        raise AdvisorError(f"cannot read the folder: {exc.strerror}", where=where) from None
    subfolders = [e for e in entries if e.is_dir() and not e.name.startswith(".")]
    loose = [e for e in entries if e.is_file() and e.suffix.lower() in IMAGE_SUFFIXES]
    notes: list[str] = []
    if one_class and loose and not subfolders:
        return ["(all)"], [(f, 0) for f in loose], notes
    if not subfolders:
        raise AdvisorError(
            "expected one sub-folder per class holding its images (e.g. images/cat/1.png, "
            "images/dog/2.png); found "
            + (f"{len(loose)} images but no sub-folders" if loose else "no sub-folders"),
            where=where)
    if loose:
        notes.append(f"{len(loose)} image(s) directly in the folder (not in a class "
                     "sub-folder) are not used")
    classes: list[str] = []
    files: list[tuple[Path, int]] = []
    other = 0
    empty = []
    for sub in subfolders:
        found = []
        for f in sorted(sub.rglob("*")):
            if not f.is_file() or any(part.startswith(".") for part in f.relative_to(sub).parts):
                continue
            if f.suffix.lower() in IMAGE_SUFFIXES:
                found.append(f)
            else:
                other += 1
        if not found:
            empty.append(sub.name)
            continue
        files.extend((f, len(classes)) for f in found)
        classes.append(sub.name)
    if other:
        notes.append(f"{other} file(s) that are not images (by their suffix) are not used")
    if empty:
        notes.append(f"sub-folder(s) without images are not classes: {', '.join(empty)}")
    if not classes:
        raise AdvisorError(f"no images ({', '.join(IMAGE_SUFFIXES)}) in the class sub-folders",
                           where=where)
    if len(classes) == 1 and not one_class:
        raise AdvisorError(
            f"only one class: every image is in {classes[0]!r}; a classifier needs at least two "
            "class sub-folders (for one class of normal images use --problem-type "
            "anomaly_detection)", where=where)
    return classes, files, notes


def _unreadable(bad: list[tuple[Path, str]], folder: Path) -> str:
    shown = "; ".join(f"{p.relative_to(folder)} ({reason})" for p, reason in bad[:5])
    more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
    return f"{len(bad)} image file(s) cannot be read: {shown}{more}"


def _skip_unreadable(bad: list[tuple[Path, str]], folder: Path, total: int,
                     notes: list[str]) -> None:
    """A few bad files are skipped with a note; a folder where none reads is an error."""
    if not bad:
        return
    if len(bad) >= total:
        raise AdvisorError(f"{_unreadable(bad, folder)}; no image could be read",
                           where=str(folder))
    notes.append(f"{_unreadable(bad, folder)}; skipped (remove or replace them)")


def profile_folder(folder: Path, *, overrides: dict[str, Any], source: str
                   ) -> tuple[ProfiledData, dict[str, Any]]:
    from PIL import Image, UnidentifiedImageError

    anomaly = overrides.get("problem_type") == "anomaly_detection"
    classes, files, notes = list_images(folder, one_class=anomaly)
    step = max(1, len(files) // IMAGE_SAMPLE)
    sample = files[::step][:IMAGE_SAMPLE]
    sizes: Counter = Counter()
    modes: Counter = Counter()
    bad: list[tuple[Path, str]] = []
    for path, _ in sample:
        try:
            with Image.open(path) as image:
                size, mode = (image.height, image.width), image.mode
                image.verify()  # structure checks without decoding every pixel
            sizes[size] += 1
            modes[mode] += 1
        except (OSError, UnidentifiedImageError, SyntaxError, ValueError,
                Image.DecompressionBombError) as exc:  # a bomb: more pixels than Pillow allows
            bad.append((path, str(exc).split(":")[0] or type(exc).__name__))
    skipped: list[str] = []
    _skip_unreadable(bad, folder, len(sample), skipped)
    notes.extend(skipped)
    unreadable = {path for path, _ in bad}
    files = [(path, code) for path, code in files if path not in unreadable]
    measure = Measure(source, "images")
    measure.notes = notes
    sampled = len(sample) < len(files)
    measure.sampled = sampled
    on = f"headers of {len(sample)} of {len(files)} files" if sampled else \
        f"all {len(files)} files"
    (height, width), count = sizes.most_common(1)[0]
    gray = all(mode in GRAY_MODES for mode in modes)
    channels = 1 if gray else 3
    mode_text = ", ".join(f"{m} ({c})" for m, c in modes.most_common())
    if len(sizes) > 1:
        others = ", ".join(f"{w}x{h} ({c})" for (h, w), c in sizes.most_common(4)[1:])
        notes.append(f"image sizes differ: {width}x{height} ({count}) is the most common, also "
                     f"{others}; other sizes are resized to it when loading")
    n = len(files)
    counts = Counter(code for _, code in files)
    measure.set("data_structure", "image",
                "a folder of images" if classes == ["(all)"] else
                f"a folder of {len(classes)} class sub-folder(s) of images")
    if not anomaly:
        measure.set("problem_type", "binary" if len(classes) == 2 else "multiclass",
                    f"{len(classes)} class sub-folders ({', '.join(classes[:8])}"
                    f"{', ...' if len(classes) > 8 else ''})")
    measure.set("n_samples", n, f"{n} image files")
    measure.set("input_shape", [height, width, channels],
                f"most common size {width}x{height} ({count} of {len(sample)}); "
                f"{channels} channel(s): modes {mode_text}"
                + ("" if gray else ", read as RGB") + f" ({on})")
    if not anomaly:
        measure.set("n_classes", len(classes), f"{len(classes)} class sub-folders")
        measure.set("label_encoding", "integer", "the sub-folder of each image (integer codes "
                    "in sub-folder name order)")
        rare = min(range(len(classes)), key=lambda c: counts[c])
        measure.set("minority_class_ratio", round(counts[rare] / n, 6),
                    f"rarest class {classes[rare]!r}: {counts[rare]} of {n} images")
    measure.set("input_range", [0.0, 255.0], "images are read as 8-bit pixels", how="derived")
    measure.set("missing_ratio", 0.0, f"every image decodes ({on})")
    profiled = finish(measure, overrides, targets=[] if anomaly else ["class"], n_rows=n)
    plan = {"encoding": "codes", "classes": classes, "files": files,
            "size": (height, width), "channels": channels, "one_class": anomaly,
            "skipped": skipped}
    return profiled, plan


def load_images(folder: Path, plan: dict[str, Any]) -> tuple[Any, Any, list[str]]:
    """(pixels, class codes, notes): every image of the plan, unreadable ones skipped with a
    note (an error when none reads)."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    height, width = plan["size"]
    mode = "L" if plan["channels"] == 1 else "RGB"
    files = plan["files"]
    out = np.empty((len(files), height, width, plan["channels"]), dtype=np.uint8)
    bad: list[tuple[Path, str]] = []
    for i, (path, _) in enumerate(files):
        try:
            with Image.open(path) as image:
                image = image.convert(mode)
                if image.size != (width, height):
                    image = image.resize((width, height), Image.BILINEAR)
                array = np.asarray(image, dtype=np.uint8)
        except (OSError, UnidentifiedImageError, SyntaxError, ValueError,
                Image.DecompressionBombError) as exc:  # a bomb: more pixels than Pillow allows
            bad.append((path, str(exc).split(":")[0] or type(exc).__name__))
            continue
        out[i] = array.reshape(height, width, plan["channels"])
    notes: list[str] = []
    _skip_unreadable(bad, folder, len(files), notes)
    unreadable = {path for path, _ in bad}
    keep = np.asarray([path not in unreadable for path, _ in files], dtype=bool)
    target = np.asarray([code for _, code in files], dtype=np.int64)
    return out[keep], target[keep], notes


def test_folder_plan(folder: Path, plan: dict[str, Any], source: str) -> dict[str, Any]:
    """How to load a test folder like the training folder: its images, coded by the training
    folder's classes (a class sub-folder the training data lacks is an error), at the training
    size and channels."""
    classes, files, _ = list_images(folder, one_class=bool(plan.get("one_class")))
    known = list(plan["classes"])
    unknown = [c for c in classes if c not in known]
    if unknown:
        raise AdvisorError(
            f"class sub-folder(s) {', '.join(map(repr, unknown))} are not classes of the "
            f"training folder ({', '.join(map(repr, known[:10]))}); a test folder can only hold "
            "classes the model was trained on", where=source)
    coded = [(path, known.index(classes[code])) for path, code in files]
    return {**plan, "files": coded}
