"""The executor: turns a recommended setup into a Keras model, trains it next to the baselines
(``advisor verify``), diagnoses the run, or writes a standalone training script.

``script`` and ``diagnose`` import no Keras; ``build``, ``train`` and ``verify`` import it when
they run, and ``layers`` defines the composite layers the layer lists name.
"""

import contextlib
import os
import sys
import tempfile

# TensorFlow's C++ start-up chatter (CPU instruction sets, CUDA probing) is not for our users;
# a value the user set wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@contextlib.contextmanager
def native_stderr_silenced():
    """Keep what native code writes to file descriptor 2 (TensorFlow's absl start-up lines and
    CUDA probing, which ignore TF_CPP_MIN_LOG_LEVEL) off the user's terminal; it is written
    out after all when the block fails."""
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        sys.stderr.flush()
        os.dup2(sink.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            sink.seek(0)
            sys.stderr.write(sink.read().decode("utf-8", "replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def import_keras():
    """Import Keras (and TensorFlow) without TensorFlow's native start-up chatter."""
    if "keras" not in sys.modules:
        with native_stderr_silenced():
            import keras  # noqa: F401

            if keras.backend.backend() == "tensorflow":
                import tensorflow as tf

                tf.config.list_physical_devices("GPU")  # CUDA probing, once: "cuInit" lines
    import keras

    return keras
