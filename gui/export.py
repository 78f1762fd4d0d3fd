"""`export`: pictures, films and metrics of a saved run, from its timeline (SPEC.md's contract).

  --png F / --svg F   one step (--step S, default the run's last) of one panel or the whole set
  --gif F / --mp4 F   every recorded frame from --from to --to, at --fps frames a second
  --csv F             every metric of the run, one row per downsampled bucket, whole steps;
                      with --with RUN_DIR (repeatable) other runs' too, a "run" column naming each
  --tensorboard DIR   the same metrics as TensorBoard event files, DIR/<run name>/ (core.tensorboard_export;
                      an optional extra: without tensorboardX, one line says how to install it, exit 2)

Without --panel, pictures show the whole set of panels the run's data drives: the main view on the
left, the history and other views in a grid beside it (not the latent sliders and paths a person
drags). A picture at step S shows the latest frame recorded at or before S, which is what the window
showed at S. Outputs are written to a temporary file beside the target and renamed over it, so a
failed export never leaves half a file or spoils one already there.

Bad input (exit 2, one line, checked before any drawing): a missing or unreadable run, a picture that
needs a timeline the run has none of, an unknown panel (the allowed ones are listed), a step outside
the run, an output whose folder is missing or not writable, or options that do not go together.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from core.config import ConfigError

FORMATS = ("gif", "mp4", "png", "svg", "csv", "tensorboard")
METRICS = ("csv", "tensorboard")  # every metric of one or more runs, not pictures
FILMS = ("gif", "mp4")
STILLS = ("png", "svg")


def export_run(args) -> int:
    kind = next(k for k in FORMATS if getattr(args, k, None))
    out = Path(getattr(args, kind))
    _check_options(kind, args)
    if kind == "tensorboard":  # a folder, not a file: checked there
        return _export_tensorboard(args, out)
    _check_output(out, kind)
    from core.checkpoint import read_metadata

    cfg, state = read_metadata(args.run_dir)  # CheckpointError (bad input) for a missing or damaged run
    run_step = int(state["step"])
    if kind == "csv":
        return _export_csv(args, out)
    frames, earlier, note = _frames(args, kind, run_step)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # drawn off-screen: no display needed, no window shown
    from core.checkpoint import read_history
    from gui.app import make_app
    from gui.replay import Replay, UnknownPanel

    make_app()
    try:
        replay = Replay(cfg, read_history(args.run_dir), args.panel)
    except UnknownPanel as exc:
        raise ConfigError(f"--panel {args.panel!r} is not a panel of this {cfg.model} run; allowed: "
                          f"{', '.join(exc.allowed)}") from None
    try:
        t0 = time.perf_counter()
        shown = frames[0].step
        if kind in STILLS:
            if replay.needs_warm_up:  # a panel keeps a record over time: it collects the frames before this
                with _progress(len(earlier), "replaying earlier steps") as bar:
                    for frame in earlier:
                        replay.warm_up(frame)
                        bar.update(1)
            replay.draw(frames[0])
            write_picture(replay.canvas, out, f"{cfg.model} on {cfg.data.dataset}, step {shown}")
            what = f"step {args.step if args.step is not None else run_step} (weights recorded at step {shown})"
        else:
            film = FilmWriter(replay, frames, earlier, out, args.fps)
            with _progress(film.total, f"writing {out.name}") as bar:
                while not film.advance():
                    bar.update(1)
                film.finish()
            what = f"{len(frames)} frames, steps {frames[0].step} to {frames[-1].step}, at {args.fps} fps"
        size = replay.size
        print(f"genviz: wrote {out} ({size.width()}x{size.height()}, {what}) in {time.perf_counter() - t0:.1f} s"
              + (f"; {note}" if note else ""), file=sys.stderr)
        return 0
    finally:
        replay.close()


def _check_options(kind: str, args) -> None:
    if getattr(args, "with_runs", None) and kind not in METRICS:
        raise ConfigError("--with is for --csv and --tensorboard: pictures and films show one run")
    if args.panel is not None and kind in METRICS:
        raise ConfigError(f"--panel is for pictures and films; --{kind} writes every metric of the run")
    if args.step is not None and kind not in STILLS:
        raise ConfigError(f"--step is for --png and --svg; a --{kind} takes --from S --to S")
    if (args.from_step is not None or args.to_step is not None) and kind not in FILMS:
        raise ConfigError(f"--from and --to are for --gif and --mp4; a --{kind} takes " +
                          ("no steps" if kind in METRICS else "--step S"))
    if args.fps is not None and kind not in FILMS:
        raise ConfigError("--fps is for --gif and --mp4")
    if args.fps is None:
        args.fps = 10
    if not 1 <= args.fps <= 60:
        raise ConfigError(f"--fps {args.fps} is out of range; allowed: 1 to 60")
    for name in ("step", "from_step", "to_step"):
        value = getattr(args, name)
        if value is not None and value < 0:
            raise ConfigError(f"--{name.replace('_step', '')} {value} is out of range; steps start at 0")
    if args.from_step is not None and args.to_step is not None and args.from_step > args.to_step:
        raise ConfigError(f"--from {args.from_step} is after --to {args.to_step}")


def check_output(out: Path, kind: str, option: str | None = None) -> None:
    """ConfigError (one line) unless `out` can be written as a .kind file; `option` names the command
    line's option (e.g. "--gif") in the message, None in the window's dialogs."""
    name = f"{option} {str(out)!r}" if option else repr(str(out))
    if out.suffix.lower() != f".{kind}":
        raise ConfigError(f"{name} must end in .{kind}")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(f"{name}: folder {str(folder)!r} does not exist")
    if out.is_dir():
        raise ConfigError(f"{name} is a folder")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise ConfigError(f"{name}: cannot write there (permission denied)")


def _check_output(out: Path, kind: str) -> None:
    check_output(out, kind, f"--{kind}")


class AtomicOutput:
    """A temporary path beside `out` (same suffix, so writers know the format): commit() renames it over
    `out`, abort() removes it. So a failed or cancelled export never leaves half a file, nor spoils one
    already there. Any OSError is bad input (ConfigError, one line)."""

    def __init__(self, out: Path):
        self.out = Path(out)
        try:
            fd, self.tmp = tempfile.mkstemp(dir=self.out.parent if str(self.out.parent) else ".",
                                            prefix=f".{self.out.stem}.", suffix=self.out.suffix)
        except OSError as exc:
            raise self.error(exc) from None
        os.close(fd)

    def error(self, exc: OSError) -> ConfigError:
        return ConfigError(f"could not write {str(self.out)!r}: {exc.strerror or exc}")

    def commit(self) -> None:
        try:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self.tmp, 0o666 & ~umask)  # as a plainly created file: mkstemp makes it private (0600)
            os.replace(self.tmp, self.out)
        except OSError as exc:
            raise self.error(exc) from None
        finally:
            self.abort()

    def abort(self) -> None:
        Path(self.tmp).unlink(missing_ok=True)


@contextmanager
def _atomic_output(out: Path):
    """AtomicOutput as a block: committed when the block ends well, removed when it does not."""
    output = AtomicOutput(out)
    try:
        yield output.tmp
    except OSError as exc:
        output.abort()
        raise output.error(exc) from None
    except BaseException:
        output.abort()
        raise
    output.commit()


def write_picture(widget, out: Path, title: str) -> None:
    """A PNG or SVG (by `out`'s suffix) of a widget as it is drawn now: a Replay's canvas (export),
    or a panel or the whole window (the window's Export menu)."""
    from gui.replay import grab_rgb, paint_svg

    with _atomic_output(out) as tmp:
        if out.suffix.lower() == ".svg":
            paint_svg(widget, tmp, title)
        elif not grab_rgb(widget).save(tmp, "PNG"):
            raise OSError("Qt could not write the PNG")


def _export_csv(args, out: Path) -> int:
    from core.checkpoint import read_history, write_history_csv

    history = read_history(args.run_dir)
    if args.with_runs:  # one table of several runs, a "run" column naming each
        folders = [args.run_dir, *args.with_runs]
        names = run_names(folders)
        histories = [history] + [read_history(folder) for folder in args.with_runs]  # all read before writing
        write_metrics_csv(out, list(zip(names, histories, strict=True)))
        print(f"genviz: wrote {out} (the metrics of {len(names)} runs: {', '.join(names)})", file=sys.stderr)
        return 0
    with _atomic_output(out) as tmp:
        write_history_csv(Path(tmp), history)
    print(f"genviz: wrote {out} ({history.count} rows of {len(history.names)} metrics, "
          f"each the mean of {history.stride} steps)", file=sys.stderr)
    return 0


def _export_tensorboard(args, out: Path) -> int:
    """Every metric of the run (and of each --with run) as TensorBoard event files, OUT/<run name>/."""
    from core.checkpoint import read_history
    from core.tensorboard_export import check_out_dir, write_tensorboard, writer_class

    check_out_dir(out)
    writer_class()  # the optional extra: without it, one line saying how to install it (exit 2)
    folders = [args.run_dir, *args.with_runs]
    # Each run's folder there: its name, one path component (run_names gives a whole path where two share one).
    names = [re.sub(r"[^\w.-]+", "_", name).strip("._") or "run" for name in run_names(folders)]
    runs = list(zip(names, [read_history(f) for f in folders], strict=True))  # all read before writing
    try:
        counts = write_tensorboard(out, runs)
    except OSError as exc:
        raise ConfigError(f"could not write in {str(out)!r}: {exc.strerror or exc}") from None
    print(f"genviz: wrote TensorBoard event files in {out} (" +
          ", ".join(f"{name}: {n} values" for name, n in counts.items()) + f"); view them with "
          f"tensorboard --logdir {out}", file=sys.stderr)
    return 0


def run_names(folders) -> list[str]:
    """Each run's name for a table or a legend: its folder's name, or more of its path where two share one."""
    paths = [Path(f).resolve() for f in folders]
    names = [p.name or str(p) for p in paths]
    for i, p in enumerate(paths):
        if names.count(names[i]) > 1:
            names[i] = str(p)
    return names


def write_metrics_csv(out: Path, runs) -> None:
    """Every metric of each (name, MetricHistory) as one table at whole steps, a "run" column naming
    each; ConfigError (one line) when it cannot be written. The command line and the window both use it."""
    from core.checkpoint import write_runs_csv

    check_output(out, "csv")
    try:
        write_runs_csv(out, runs)
    except OSError as exc:
        raise ConfigError(f"could not write {str(out)!r}: {exc.strerror or exc}") from None


def _frames(args, kind: str, run_step: int):
    """The frames to draw, the recorded frames before them, and a note for the last line ("" if none).
    Bad input if there is nothing to draw."""
    from core.checkpoint import load_timeline

    timeline, note = load_timeline(args.run_dir, run_step)
    if kind in STILLS:
        step = run_step if args.step is None else args.step
        if step > run_step:
            raise ConfigError(f"--step {step} is outside the run; allowed: 0 to {run_step}")
        if timeline is None:
            if step == run_step:  # the checkpoint holds the last step's weights: no timeline needed
                return [_checkpoint_frame(args.run_dir, run_step)], [], note
            raise ConfigError(f"--step {step} needs the run's timeline: {note}")
        frame = timeline.frame_at(step)
        if frame is None:
            raise ConfigError(f"no weights were recorded at or before step {step}; the timeline starts at "
                              f"step {timeline.steps()[0] if len(timeline) else run_step}")
        return [frame], timeline.between(0, frame.step - 1), ""
    if timeline is None or len(timeline) == 0:
        raise ConfigError(f"a --{kind} is drawn from the run's timeline: {note or 'it holds no frames'}")
    first = timeline.steps()[0] if args.from_step is None else args.from_step
    last = run_step if args.to_step is None else args.to_step
    for name, value in (("--from", first), ("--to", last)):
        if value > run_step:
            raise ConfigError(f"{name} {value} is outside the run; allowed: 0 to {run_step}")
    frames = timeline.between(first, last)
    if not frames:
        raise ConfigError(f"no frames were recorded between steps {first} and {last}; recorded: "
                          f"{len(timeline)} frames from step {timeline.steps()[0]} to {timeline.steps()[-1]}")
    return frames, timeline.between(0, frames[0].step - 1), ""


def _checkpoint_frame(run_dir: str, step: int):
    from safetensors import safe_open

    from core.checkpoint import CHECKPOINT
    from core.timeline import Frame

    with safe_open(str(Path(run_dir) / CHECKPOINT), framework="numpy") as fh:
        weights = {k[len("model."):]: fh.get_tensor(k) for k in fh.keys() if k.startswith("model.")}
    return Frame(step, weights)


def _progress(total: int, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="frame", file=sys.stderr, disable=None, dynamic_ncols=True,
                mininterval=0.5)


class FilmWriter:
    """A GIF or MP4 (by `out`'s suffix) of a Replay's frames, one frame per advance(), so the window can
    drive it from a timer with a progress bar and stop it (cancel) between two frames; the command line
    simply loops. Panels that keep a record over time first collect the frames before the first drawn
    (each such frame is one advance() too). A GIF goes through Pillow (imageio's GIF writer is Pillow too,
    but quantises each whole frame with median cut: 35 ms a 720x720 frame) and is written at finish();
    an MP4 through imageio's ffmpeg writer, which streams frames to the encoder as they come."""

    def __init__(self, replay, frames, earlier, out: Path, fps: int):
        self.replay, self.out, self.fps = replay, Path(out), int(fps)
        self.kind = self.out.suffix.lower()[1:]
        self._warm = list(earlier) if replay.needs_warm_up else []
        self._frames = list(frames)
        self.total = len(self._warm) + len(self._frames)
        self.done = 0
        self._pictures = []
        self._writer = None
        self.output = AtomicOutput(self.out)

    def advance(self) -> bool:
        """Collect or draw and add the next frame; True when there is none left (then call finish)."""
        if self.done >= self.total:
            return True
        i, replay = self.done, self.replay
        try:
            if i < len(self._warm):
                replay.warm_up(self._warm[i])
            else:
                replay.draw(self._frames[i - len(self._warm)])
                self._add(replay.rgb())
        except OSError as exc:
            self.cancel()
            raise self.output.error(exc) from None
        self.done += 1
        return self.done >= self.total

    def _add(self, rgb) -> None:
        if self.kind == "gif":
            from PIL import Image

            self._pictures.append(gif_colours(Image.fromarray(rgb)))
            return
        if self._writer is None:
            import imageio.v2 as iio

            self._writer = iio.get_writer(self.output.tmp, format="FFMPEG", mode="I", fps=self.fps,
                                          codec="libx264", macro_block_size=16, ffmpeg_log_level="error")
        self._writer.append_data(rgb)

    def finish(self) -> None:
        """Write what is left and put the film in place."""
        try:
            if self.kind == "gif":
                pictures = self._pictures
                # Frame times are whole hundredths of a second in a GIF; loop=0 plays it for ever.
                pictures[0].save(self.output.tmp, format="GIF", save_all=True, append_images=pictures[1:],
                                 duration=round(1000 / self.fps), loop=0)
            elif self._writer is not None:
                self._writer.close()
                self._writer = None
        except OSError as exc:
            self.cancel()
            raise self.output.error(exc) from None
        self._pictures = []
        self.output.commit()

    def cancel(self) -> None:
        """Stop: nothing is written, the temporary file is removed."""
        if self._writer is not None:
            try:
                self._writer.close()
            except (OSError, RuntimeError):
                pass  # a broken encoder: its file is removed anyway
            self._writer = None
        self._pictures = []
        self.output.abort()


def gif_colours(picture):
    """The picture in 256 colours: a median-cut palette of the picture at half size (a quarter of the
    work), then every pixel mapped to it. The fast octree method is quicker still, but it turns D's
    pale shading into flat bands of white."""
    from PIL import Image

    palette = picture.reduce(2).quantize(256, method=Image.Quantize.MEDIANCUT)
    return picture.quantize(palette=palette, dither=Image.Dither.NONE)
