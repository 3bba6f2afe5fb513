"""Runs the dataset stages FIRST..LAST in one Python process (make_datasets.sh).

Each stage stays its own module with its own CLI (`python -m dataset_tools.names
--help`); run here, they share the loaded Natasha models and pymorphy3's word
caches instead of loading and filling them again in a process per stage.
"""
from __future__ import annotations

import importlib
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path

import click

from .common import (
    KitError,
    can_fork,
    cli_main,
    jobs_option,
    log,
    resolve_jobs,
    write_stats,
)
from .summary import STAGES

MODULES = {"time": "time_replace"}


def stage_plan(first: str, last: str, o: dict) -> list[tuple[str, str, list[str]]]:
    """(stage, what it does, its CLI arguments) for each stage to run."""
    out, dd = o["out_dir"], o["dict_dir"]
    jobs = ["--jobs", str(o["jobs"])]
    plan = {
        "prepare": (f"{o['src']} -> {out}/paragraphs.txt", ["--src", o["src"], "--out-dir", out]),
        "dialogs": ("paragraphs.txt -> dialogs.txt, raw_dialogs.txt, dialogs.jsonl",
                    ["--out-dir", out, "--format", o["fmt"]]),
        "names": (f"dialogs.jsonl -> {dd}/dict_me.py, {dd}/dict_ti.py", ["--out-dir", out, "--dict-dir", dd, *jobs]),
        "speakers": (f"dialogs.jsonl + names.json -> {dd}/characters.py, speakers.jsonl, speaker_dialogs.txt",
                     ["--out-dir", out, "--dict-dir", dd, *jobs]),
        "time": ("dialogs.jsonl + dictionaries -> me_dialogs.txt, ti_dialogs.txt, pov_dialogs.txt",
                 ["--out-dir", out, "--dict-dir", dd, *jobs]),
        "assemble": (f"{o['mix']} dialogs -> {o['base_name']}.txt, {o['base_name']}_val.txt",
                     ["--out-dir", out, "--base-name", o["base_name"], "--val-share", str(o["val_share"]),
                      "--seed", str(o["seed"]), "--mix", o["mix"]]),
    }
    return [(s, *plan[s]) for s in STAGES[STAGES.index(first):STAGES.index(last) + 1]]


def run_stage(stage: str, args: list[str]) -> None:
    module = importlib.import_module(f".{MODULES.get(stage, stage)}", __package__)
    module.main(args, standalone_mode=False)


def _child(conn, quiet: bool, func, *args) -> None:
    """Runs func(*args) in a forked process and sends its result to the parent."""
    if quiet:
        os.environ["TIME_KIT_PROGRESS"] = "0"  # one progress bar at a time
    try:
        t0 = time.perf_counter()
        conn.send(("ok", func(*args), time.perf_counter() - t0))
    except KitError as e:
        conn.send(("error", str(e), 0.0))
    except SystemExit as e:  # a stage's CLI has already printed its one-line error
        conn.send(("exit", e.code, 0.0))
    except BaseException as e:  # noqa: BLE001 - reported by the parent, which exits non-zero
        conn.send(("error", f"{type(e).__name__}: {e}", 0.0))
    finally:
        conn.close()


class Beside:
    """func(*args) in a forked process while the parent goes on."""

    def __init__(self, func, *args, quiet: bool = True):
        ctx = mp.get_context("fork")
        self.conn, child_conn = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child, args=(child_conn, quiet, func, *args), daemon=True)
        self.proc.start()
        child_conn.close()

    def result(self, prefix: str, hint: str):
        """(value, seconds); the child's error becomes the parent's."""
        try:
            status, value, seconds = self.conn.recv()
        except EOFError:
            raise KitError(f"{prefix}the process ended without a result; {hint}") from None
        finally:
            self.close()
        if status == "exit":
            sys.exit(value)
        if status != "ok":
            raise KitError(f"{prefix}{value}")
        return value, seconds

    def close(self) -> None:
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.terminate()


def _run_plan(plan: list[tuple[str, str, list[str]]]) -> None:
    for stage, what, args in plan:
        log.info(f"stage {stage}: {what}")
        run_stage(stage, args)


def _preload(stages: set[str]) -> None:
    """Loads the models the later stages need (cached for them)."""
    if "names" in stages:
        from .names import _morph_tagger, load_ner

        load_ner()
        _morph_tagger()
    if "speakers" in stages:
        from .characters import _names_extractor

        _names_extractor()


def run_early_stages(early: list, later: set[str]) -> None:
    """prepare and dialogs in a forked process while this one loads the
    models of the later stages: a core that would idle gets the loading."""
    child = Beside(_run_plan, early, quiet=False)
    try:
        _preload(later)
    finally:
        child.result("", f"re-run with STAGE={early[0][0]}")


def run_speakers_and_time(plan: dict[str, tuple[str, list[str]]], out_dir: str, dict_dir: str, jobs: int) -> None:
    """speakers, then time; me/ti (which need only the names stage) are written
    meanwhile by a forked process, filling the core the speakers stage's
    sequential parts leave idle. Same files as running the two in turn."""
    from .time_replace import merge_time_stats, write_time

    child = Beside(write_time, out_dir, dict_dir, 1, ("meti",))
    try:
        log.info(f"stage speakers: {plan['speakers'][0]} (me/ti of the time stage meanwhile)")
        run_stage("speakers", plan["speakers"][1])
        log.info(f"stage time: {plan['time'][0]}")
        t0 = time.perf_counter()
        pov = write_time(out_dir, dict_dir, jobs, parts=("pov",))
        meti, seconds = child.result("me/ti: ", "re-run with STAGE=time")
        stats = merge_time_stats(meti, pov)
        stats["meti_seconds_beside_speakers"] = round(seconds, 3)
        write_stats(out_dir, "time", stats, t0)
    finally:
        child.close()


@click.command()
@click.option("--from", "first", type=click.Choice(STAGES), default="prepare", show_default=True)
@click.option("--to", "last", type=click.Choice(STAGES), default="assemble", show_default=True)
@click.option("--src", default="raw.txt", show_default=True, help="A .txt/.fb2 book or a folder of them.")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--dict-dir", required=True, type=click.Path(file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["auto", "prose", "play"]), default="auto", show_default=True)
@click.option("--mix", default="dialogs,me,ti", show_default=True)
@click.option("--base-name", default="dataset", show_default=True)
@click.option("--val-share", type=click.FloatRange(0, 1), default=0.02, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@jobs_option
@cli_main
def main(first, last, **o):
    """Run the stages FIRST..LAST, then print the summary."""
    if STAGES.index(first) > STAGES.index(last):
        raise click.UsageError(f"--from {first} comes after --to {last}")
    o["jobs"] = resolve_jobs(o["jobs"])
    Path(o["out_dir"]).mkdir(parents=True, exist_ok=True)
    if first == "prepare":
        for p in Path(o["out_dir"]).glob("stats_*.json"):
            p.unlink()  # a fresh run: no stale per-stage figures in the summary
    plan = stage_plan(first, last, o)
    stages = {s for s, _, _ in plan}
    fork = o["jobs"] > 1 and can_fork()
    early = [p for p in plan if p[0] in ("prepare", "dialogs")]
    if fork and early and stages & {"names", "speakers"}:
        run_early_stages(early, stages)
        plan = plan[len(early):]
    overlap = fork and {"speakers", "time"} <= stages
    for stage, what, args in plan:
        if overlap and stage in ("speakers", "time"):
            if stage == "speakers":
                run_speakers_and_time({s: (w, a) for s, w, a in plan}, o["out_dir"], o["dict_dir"], o["jobs"])
            continue
        log.info(f"stage {stage}: {what}")
        run_stage(stage, args)
    run_stage("summary", ["--out-dir", o["out_dir"]])


if __name__ == "__main__":
    main()
