"""Small shared pieces: the user-facing error, atomic writes, stats files."""
from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

import click

log = logging.getLogger("time-kit")


class KitError(Exception):
    """An error the user can fix; printed as one line, no traceback."""


def setup_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    for name in ("pymorphy2", "pymorphy3"):  # "Loading dictionaries from ..." on every load
        logging.getLogger(name).setLevel(logging.WARNING)


def cli_main(func):
    """Wraps a click command body: KitError and bad files become one line + exit 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        setup_logging()
        try:
            return func(*args, **kwargs)
        except KitError as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(1)
        except KeyboardInterrupt:
            click.echo("interrupted; finished outputs are intact, re-run to continue", err=True)
            sys.exit(130)

    return wrapper


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8"):
    """Writes to a temp file beside `path` and renames it into place on success,
    so a crash never leaves a finished-looking file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        kw = {} if "b" in mode else {"encoding": encoding, "newline": "\n"}
        with os.fdopen(fd, mode, **kw) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_json(path: str | os.PathLike, obj) -> None:
    with atomic_write(path) as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def write_stats(out_dir: str | os.PathLike, stage: str, stats: dict, started: float) -> None:
    """Each stage leaves stats_<stage>.json; the summary reads them all."""
    stats = dict(stats, seconds=round(time.perf_counter() - started, 3))
    write_json(Path(out_dir) / f"stats_{stage}.json", stats)


def iter_jsonl(path: str | os.PathLike, hint: str = ""):
    """(line number, object) for each non-empty line; a line that is no JSON is
    a one-line KitError naming the file and line (and `hint`, how to fix it)."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield n, json.loads(line)
            except json.JSONDecodeError as e:
                raise KitError(f"{path}:{n}: not JSON ({e.msg})" + (f"; {hint}" if hint else "")) from None


def require_file(path: str | os.PathLike, what: str, hint: str) -> Path:
    p = Path(path)
    if not p.exists():
        raise KitError(f"{what} not found: {p} ({hint})")
    return p


def progress(iterable=None, **kw):
    """tqdm on stderr, quiet when stderr is not a terminal unless TIME_KIT_PROGRESS=1."""
    from tqdm.auto import tqdm

    force = os.environ.get("TIME_KIT_PROGRESS")
    disable = (not sys.stderr.isatty()) if force is None else force == "0"
    return tqdm(iterable, file=sys.stderr, disable=disable, dynamic_ncols=True, **kw)


def default_jobs() -> int:
    """Worker processes when the user gives none: one per core, at most 4 (more
    rarely pays: the workers share the memory bus and BLAS threads)."""
    return max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1))


def resolve_jobs(jobs: int) -> int:
    """0 means default_jobs(). With several workers each BLAS runs one thread:
    slovnet's matrices are small, and busy BLAS threads of two workers on two
    cores slow each other down. Takes effect only before numpy is imported."""
    jobs = jobs or default_jobs()
    if jobs > 1 and "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    return jobs


def jobs_option(func):
    """The --jobs option of the stages that fork workers."""
    return click.option("--jobs", type=click.IntRange(0), default=0,
                        help="Worker processes (0: one per core, at most 4).")(func)


def can_fork() -> bool:
    """Forked workers inherit loaded models; where there is no fork (Windows) work runs in one process."""
    import multiprocessing as mp

    return "fork" in mp.get_all_start_methods()


_SHARED = None  # what fork_map's workers read with shared(): set before forking, never pickled


def shared():
    """The `shared` object of the fork_map call this worker (or this process) runs for."""
    return _SHARED


def fork_map(func, chunks: list, jobs: int, shared=None, **progress_kw):
    """func over chunks, results in order; in `jobs` forked workers that inherit
    the parent's loaded models and caches, and `shared` (read with shared()).
    One job, one chunk, or no fork run here, with the same results."""
    import multiprocessing as mp

    global _SHARED
    outer, _SHARED = _SHARED, shared  # nested calls (a worker's own fork_map) restore the outer one
    try:
        jobs = min(jobs, len(chunks))
        if jobs <= 1 or not can_fork():
            yield from progress((func(c) for c in chunks), total=len(chunks), **progress_kw)
            return
        with mp.get_context("fork").Pool(jobs) as pool:
            yield from progress(pool.imap(func, chunks), total=len(chunks), **progress_kw)
    finally:
        _SHARED = outer


def split_even(items: list, n: int) -> list[list]:
    """n contiguous chunks of nearly equal length (order kept when joined)."""
    n = max(1, min(n, len(items)))
    k, r = divmod(len(items), n)
    out, i = [], 0
    for j in range(n):
        out.append(items[i:i + k + (j < r)])
        i += k + (j < r)
    return out
