"""`export`: pictures, films and metrics of a saved run, from its timeline (SPEC.md's contract).

  --png F / --svg F   one step (--step S, default the run's last) of one panel or the whole set
  --gif F / --mp4 F   every recorded frame from --from to --to, at --fps frames a second
  --csv F             every metric of the run, one row per downsampled bucket, whole steps

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
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from core.config import ConfigError

FORMATS = ("gif", "mp4", "png", "svg", "csv")
FILMS = ("gif", "mp4")
STILLS = ("png", "svg")


def export_run(args) -> int:
    kind = next(k for k in FORMATS if getattr(args, k, None))
    out = Path(getattr(args, kind))
    _check_options(kind, args)
    _check_output(out, kind)
    from core.checkpoint import read_metadata

    cfg, state = read_metadata(args.run_dir)  # CheckpointError (bad input) for a missing or damaged run
    run_step = int(state["step"])
    if kind == "csv":
        return _export_csv(args.run_dir, out)
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
        if replay.needs_warm_up:  # a panel keeps a record over time: it collects the frames before these
            with _progress(len(earlier), "replaying earlier steps") as bar:
                for frame in earlier:
                    replay.warm_up(frame)
                    bar.update(1)
        if kind in STILLS:
            replay.draw(frames[0])
            with _atomic_output(out) as tmp:
                if kind == "png":
                    if not replay.image().save(tmp, "PNG"):
                        raise OSError("Qt could not write the PNG")
                else:
                    replay.paint_svg(tmp, f"{cfg.model} on {cfg.data.dataset}, step {shown}")
            what = f"step {args.step if args.step is not None else run_step} (weights recorded at step {shown})"
        else:
            _write_film(replay, frames, out, kind, args.fps)
            what = f"{len(frames)} frames, steps {frames[0].step} to {frames[-1].step}, at {args.fps} fps"
        size = replay.size
        print(f"genviz: wrote {out} ({size.width()}x{size.height()}, {what}) in {time.perf_counter() - t0:.1f} s"
              + (f"; {note}" if note else ""), file=sys.stderr)
        return 0
    finally:
        replay.close()


def _check_options(kind: str, args) -> None:
    if args.panel is not None and kind == "csv":
        raise ConfigError("--panel is for pictures and films; --csv writes every metric of the run")
    if args.step is not None and kind not in STILLS:
        raise ConfigError(f"--step is for --png and --svg; a --{kind} takes --from S --to S")
    if (args.from_step is not None or args.to_step is not None) and kind not in FILMS:
        raise ConfigError(f"--from and --to are for --gif and --mp4; a --{kind} takes " +
                          ("no steps" if kind == "csv" else "--step S"))
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


def _check_output(out: Path, kind: str) -> None:
    if out.suffix.lower() != f".{kind}":
        raise ConfigError(f"--{kind} {str(out)!r} must end in .{kind}")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(f"--{kind} {str(out)!r}: folder {str(folder)!r} does not exist")
    if out.is_dir():
        raise ConfigError(f"--{kind} {str(out)!r} is a folder")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise ConfigError(f"--{kind} {str(out)!r}: cannot write there (permission denied)")


@contextmanager
def _atomic_output(out: Path):
    """A temporary path beside `out` (same suffix, so writers know the format), renamed over `out`
    when the block ends well and removed when it does not. A failing rename is bad input (exit 2)."""
    fd, tmp = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", prefix=f".{out.stem}.",
                               suffix=out.suffix)
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as a plainly created file: mkstemp makes it private (0600)
        os.replace(tmp, out)
    except OSError as exc:
        raise ConfigError(f"could not write {str(out)!r}: {exc.strerror or exc}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)


def _export_csv(run_dir: str, out: Path) -> int:
    from core.checkpoint import read_history, write_history_csv

    history = read_history(run_dir)
    with _atomic_output(out) as tmp:
        write_history_csv(Path(tmp), history)
    print(f"genviz: wrote {out} ({history.count} rows of {len(history.names)} metrics, "
          f"each the mean of {history.stride} steps)", file=sys.stderr)
    return 0


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


def _write_film(replay, frames, out: Path, kind: str, fps: int) -> None:
    """A GIF through Pillow (imageio's GIF writer is Pillow too, but quantises each whole frame with median
    cut: 35 ms a 720x720 frame); an MP4 through imageio's ffmpeg writer, which streams frames to the encoder."""
    with _atomic_output(out) as tmp, _progress(len(frames), f"writing {out.name}") as bar:
        if kind == "gif":
            from PIL import Image

            pictures = []
            for frame in frames:
                replay.draw(frame)
                pictures.append(gif_colours(Image.fromarray(replay.rgb())))
                bar.update(1)
            # Frame times are whole hundredths of a second in a GIF; loop=0 plays it for ever.
            pictures[0].save(tmp, format="GIF", save_all=True, append_images=pictures[1:], duration=round(1000 / fps),
                             loop=0)
            return
        import imageio.v2 as iio

        writer = iio.get_writer(tmp, format="FFMPEG", mode="I", fps=fps, codec="libx264", macro_block_size=16,
                                ffmpeg_log_level="error")
        try:
            for frame in frames:
                replay.draw(frame)
                writer.append_data(replay.rgb())
                bar.update(1)
        finally:
            writer.close()


def gif_colours(picture):
    """The picture in 256 colours: a median-cut palette of the picture at half size (a quarter of the
    work), then every pixel mapped to it. The fast octree method is quicker still, but it turns D's
    pale shading into flat bands of white."""
    from PIL import Image

    palette = picture.reduce(2).quantize(256, method=Image.Quantize.MEDIANCUT)
    return picture.quantize(palette=palette, dither=Image.Dither.NONE)
