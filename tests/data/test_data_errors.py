"""Bad data gives one clear message and exit code 2, never a traceback."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from advisor.cli import cli

ENV = {"COLUMNS": "100", "ADVISOR_DEBUG": ""}
pd = pytest.importorskip("pandas")


def fails(*args, contains: list[str], command: str = "profile"):
    result = CliRunner().invoke(cli, [command, *[str(a) for a in args]], env=ENV,
                                prog_name="advisor")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ")
    for text in contains:
        assert text in result.stderr, result.stderr
    return result.stderr


def test_no_such_file_suggests_close_names(wine_csv):
    fails(wine_csv.parent / "wines.csv",
          contains=["no such file or folder (did you mean wine.csv", "check the path"])


def test_unknown_format_lists_supported(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_text("x")
    fails(path, contains=["unknown data format '.xlsx'", "CSV (.csv)", "Parquet", ".npz",
                          "class sub-folders of images"])


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    fails(path, contains=["empty.csv: the file is empty (0 bytes)"])
    header = tmp_path / "header.csv"
    header.write_text("a,b,label\n")
    fails(header, "--target", "label", contains=["the file has a header but no data rows"])


def test_missing_target_lists_columns_and_close_matches(wine_csv):
    fails(wine_csv, "--target", "lable",
          contains=["target column 'lable' is not in the data (did you mean 'label'?)",
                    "columns: alcohol, malic_acid"])
    fails(wine_csv, "--target", "label", "--time-column", "tme",
          contains=["time column 'tme' is not in the data"])


def test_no_target_given_and_none_named(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("a,b,c\n1,2,3\n4,5,6\n")
    fails(path, contains=["which column is the target? give it with --target; columns: a, b, c"])


def test_single_valued_target(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("a,label\n1,x\n2,x\n3,x\n")
    fails(path, "--target", "label",
          contains=["target column 'label' has a single value ('x') in all 3 rows"])
    # also when classification is asked for explicitly
    fails(path, "--target", "label", "--problem-type", "binary",
          contains=["single value"])


def test_classification_with_one_class_in_a_label_column(tmp_path):
    frame = pd.DataFrame({"x": range(6), "t0": [1, 0, 1, 0, 1, 0], "t1": [0] * 6})
    path = tmp_path / "tags.csv"
    frame.to_csv(path, index=False)
    fails(path, "--target", "t0", "--target", "t1",
          contains=["target column 't1' has a single value (0)"])


def test_mixed_types_in_target(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("a,label\n1,cat\n2,3\n3,dog\n")
    fails(path, "--target", "label", contains=["target column 'label' mixes numbers and text"])


def test_identifier_target_is_refused(tmp_path):
    frame = pd.DataFrame({"x": range(200), "name": [f"user{i}" for i in range(200)]})
    path = tmp_path / "ids.csv"
    frame.to_csv(path, index=False)
    fails(path, "--target", "name", contains=["looks like an identifier or free text"])


def test_unreadable_images_are_named(tmp_path):
    from PIL import Image

    for name in ("a", "b"):
        (tmp_path / "imgs" / name).mkdir(parents=True)
        Image.new("L", (4, 4)).save(tmp_path / "imgs" / name / "ok.png")
    (tmp_path / "imgs" / "b" / "broken.png").write_bytes(b"not a png")
    (tmp_path / "imgs" / "a" / "half.jpg").write_bytes(b"\xff\xd8\xff garbage")
    result = CliRunner().invoke(cli, ["profile", str(tmp_path / "imgs")], env=ENV)  # a note now
    assert result.exit_code == 0, result.output
    for needle in ("2 image file(s) cannot be read:", "b/broken.png", "a/half.jpg",
                   "skipped (remove or replace them)"):
        assert needle in result.stdout


def test_image_folder_needs_two_classes(tmp_path):
    from PIL import Image

    (tmp_path / "one" / "cats").mkdir(parents=True)
    Image.new("RGB", (4, 4)).save(tmp_path / "one" / "cats" / "1.png")
    fails(tmp_path / "one", contains=["only one class: every image is in 'cats'"])
    (tmp_path / "flat").mkdir()
    Image.new("RGB", (4, 4)).save(tmp_path / "flat" / "1.png")
    fails(tmp_path / "flat", contains=["expected one sub-folder per class",
                                       "found 1 images but no sub-folders"])


def test_npz_without_the_keys_lists_keys(tmp_path):
    path = tmp_path / "arrays.npz"
    np.savez(path, inputs=np.zeros((3, 2)), labels=np.arange(3))
    fails(path, contains=["no array 'x' in the .npz file; it holds 'inputs', 'labels'",
                          "--x-key and --y-key"])
    result = CliRunner().invoke(cli, ["profile", str(path), "--x-key", "inputs", "--y-key",
                                      "labels", "--format", "json"], env=ENV)
    assert result.exit_code == 0, result.output


def test_npy_with_objects_is_never_unpickled(tmp_path):
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    fails(path, contains=["never unpickles"])


def test_time_column_not_monotonic(tmp_path):
    path = tmp_path / "unsorted.csv"
    path.write_text("step,v,w\n1,2,0\n3,4,1\n2,5,0\n4,1,1\n")
    fails(path, "--target", "v", "--time-column", "step", "--forecast-horizon", "1",
          contains=["time column 'step' is not in increasing order: 2 comes after 3",
                    "sort the file by 'step' first"])


def test_time_column_with_text(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("when,v\n2024-01-01,1\nsoon,2\n2024-01-03,3\n")
    fails(path, "--target", "v", "--time-column", "when", "--forecast-horizon", "1",
          contains=["neither numbers nor dates (e.g. 'soon')"])


def test_inconsistent_override_names_the_flag(wine_csv):
    stderr = fails(wine_csv, "--target", "label", "--problem-type", "binary",
                   contains=["binary problems have n_classes 2, got 3"])
    assert "--n-classes" in stderr


def test_column_options_on_an_image_folder(rgb_images):
    fails(rgb_images, "--target", "x", contains=["--target name(s) columns of a table"])


def test_recommend_data_errors_exit_2(tmp_path):
    fails("--data", tmp_path / "nothing.csv", command="recommend",
          contains=["no such file or folder"])


def test_max_rows_on_a_sorted_file_says_why_the_target_has_one_class(tmp_path):
    path = tmp_path / "sorted.csv"
    path.write_text("a,y\n" + "".join(f"{i},{0 if i < 500 else 1}\n" for i in range(1000)))
    result = CliRunner().invoke(cli, ["profile", str(path), "--target", "y", "--max-rows",
                                      "100"], env=ENV)
    assert result.exit_code == 2
    assert "has a single value (0) in all 100 rows" in result.stderr
    assert "hint: --max-rows 100 reads the first 100 rows, not a sample" in result.stderr
