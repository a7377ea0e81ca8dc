"""The script audit measured on its corpus (tests/audit/scripts): faulty scripts re-create
faults documented by NeuraLint, DeepFD, DeepLocalize and TheDeepChecker (each declares its
fault in a '# expect:' header); correct ones follow keras-io and TensorFlow tutorial examples."""

from __future__ import annotations

from pathlib import Path

from advisor.audit.corpus import expectations, measure

CORPUS = Path(__file__).parent / "scripts"


def test_the_corpus_is_big_enough_and_every_script_declares_what_it_expects():
    faulty = sorted((CORPUS / "faulty").glob("*.py"))
    correct = sorted((CORPUS / "correct").glob("*.py"))
    assert len(faulty) >= 25 and len(correct) >= 15
    for path in faulty:
        expected = expectations(path)
        assert expected is not None and (expected.codes or expected.facets), path
    for path in correct:
        expected = expectations(path)
        assert expected is not None and expected.correct, path


def test_recall_is_at_least_90_percent_and_correct_scripts_raise_no_alarm():
    result = measure(CORPUS, jobs=1)
    assert not result.errors
    assert result.recall >= 0.9, result.missed
    assert result.false_alarms == []
