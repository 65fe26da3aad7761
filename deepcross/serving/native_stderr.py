"""Quiet native start-up lines: TensorFlow's oneDNN and CUDA notices, XLA's CUDA probes.

Under JAX or PyTorch, loading a `.keras` file imports TensorFlow when it is installed (Keras's
serialization checks for TensorFlow types), and TensorFlow's C++ code writes start-up lines
to the process's stderr that `TF_CPP_MIN_LOG_LEVEL` no longer silences. `deepcross predict`
and `export_saved_model` run the code that prints them inside `quiet()`.
"""

import contextlib
import os
import sys


@contextlib.contextmanager
def quiet():
    """Sends what native code writes to file descriptor 2 to /dev/null while it runs.

    Python's own `sys.stderr` (warnings, errors, progress lines) keeps reaching the real
    stderr: when it writes to descriptor 2, it is pointed at a copy of it meanwhile.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    try:
        python_writes_fd2 = sys.stderr is not None and sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):  # a stream without a descriptor
        python_writes_fd2 = False
    if sys.stderr is not None:
        sys.stderr.flush()
    saved = os.dup(2)
    python_stderr = sys.stderr
    if python_writes_fd2:
        sys.stderr = os.fdopen(
            os.dup(saved), "w", buffering=1, encoding=python_stderr.encoding,
            errors=python_stderr.errors,
        )  # fmt: skip
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        yield
    finally:
        if python_writes_fd2:
            sys.stderr.flush()
            sys.stderr.close()
            sys.stderr = python_stderr
        os.dup2(saved, 2)
        os.close(saved)
