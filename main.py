"""genviz: watch generative models learn. This file parses the command line (SPEC.md's contract)."""

from __future__ import annotations

import argparse
import os
import sys

# Before torch loads OpenMP: idle worker threads sleep instead of spinning. On a busy machine a
# spinning second thread stalled small ops ~100x (a 20 s classifier training took 2-4 minutes).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

EXIT_OK, EXIT_FAILURE, EXIT_BAD_INPUT = 0, 1, 2
MODELS = ("vae", "gan", "realnvp")


class _Parser(argparse.ArgumentParser):
    """Bad input: one line on stderr and exit code 2, never a usage dump or traceback."""

    def error(self, message):
        print(f"genviz: error: {message} (see 'python main.py {self.prog.split()[-1]} --help')"
              if " " in self.prog else f"genviz: error: {message} (see 'python main.py --help')",
              file=sys.stderr)
        sys.exit(EXIT_BAD_INPUT)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


DEVICES = ("auto", "cpu", "cuda", "mps")
DEVICE_HELP = "where to compute: auto (CUDA, then MPS, then the CPU), cpu, cuda or mps"


def _dataset_names() -> tuple[str, ...]:
    from core.dataset_names import IMAGE_DATASETS, PLANE_DATASETS  # names only: no torch for --help

    return PLANE_DATASETS + IMAGE_DATASETS


def _preset_names(model: str) -> list[str]:
    from core.presets import preset_names  # reads resources/presets without torch

    return preset_names(model)


def _preset_help() -> str:
    names = "; ".join(f"{m}: {', '.join(_preset_names(m)) or 'none'}" for m in MODELS)
    return f"named settings to start from, per model ({names}); default: the data set's own settings"


def _model_args(p, model_required=False):
    p.add_argument("--model", choices=MODELS, required=model_required, default=None if model_required else "gan",
                   help=f"the model to train: {', '.join(MODELS)}" + ("" if model_required else " (default: gan)"))
    p.add_argument("--dataset", required=model_required, default=None if model_required else "ring8",
                   metavar="D",
                   help=f"the data set, one of {', '.join(_dataset_names())}; csv, images and array read the file or "
                        "folder in the setting data.path" + ("" if model_required else " (default: ring8)"))
    p.add_argument("--preset", default=None, metavar="P", help=_preset_help())


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="main.py", description="genviz: watch VAEs, GANs and RealNVP flows learn.",
                     epilog="With no command, opens the window (as 'gui' does). 'python main.py COMMAND --help' "
                            "describes each command's options. Exit codes: 0 success, 1 failure, 2 bad input.")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("gui", help="open the window")
    _model_args(p)
    p.add_argument("--autostart", action="store_true", help="start training at once")
    p.add_argument("--engine", choices=("process", "thread"), default="process",
                   help="where training runs: a child process (default; the window never slows it) "
                        "or a thread of the window's own process")
    p.add_argument("--attach", metavar="tcp://HOST:PORT", default=None,
                   help="watch and steer an engine started with 'engine --listen' (e.g. on a GPU machine)")
    p.add_argument("--key-file", metavar="F", default=None, help="the engine's key file (needed with --attach)")
    p.add_argument("run_dir", nargs="?", default=None, metavar="RUN_DIR",
                   help="a run folder to open and carry on (instead of --model and --dataset)")

    p = sub.add_parser("train", help="train with no window; writes RUN_DIR")
    _model_args(p, model_required=True)
    g = p.add_mutually_exclusive_group()
    g.add_argument("--steps", type=_positive_int, metavar="N",
                   help="train this many steps, N >= 1 (default: the preset's train.steps)")
    g.add_argument("--epochs", type=_positive_int, metavar="E",
                   help="train E >= 1 passes over the training images (image data sets only; not with --steps)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="one setting, e.g. gan.lr_g=1e-4 or data.batch_size=128 (repeat for more); "
                        "an unknown key or a value out of range exits 2 and names the allowed values")
    p.add_argument("--seed", type=int, metavar="S", help="train.seed, any whole number (default: the preset's)")
    p.add_argument("--device", choices=DEVICES, default=None, help=DEVICE_HELP + " (default: train.device, auto)")
    p.add_argument("--out", required=True, metavar="RUN_DIR",
                   help="a new folder for the run (checkpoint, config, history); one that holds a run is refused")

    p = sub.add_parser("eval", help="print a run's quality metrics")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by train, engine or the window")
    p.add_argument("--json", action="store_true",
                   help="print the metrics as one JSON object on stdout (progress goes to stderr)")
    p.add_argument("--device", choices=DEVICES, default=None, help=DEVICE_HELP + " (default: the run's train.device)")
    p.add_argument("--iwae-k", type=int, default=None, metavar="K",
                   help="VAE runs: importance samples per test example for the IWAE bound iwae_nll, 1 to 5000 "
                        "(default: the run's vae.iwae_k: 64, or 5000 with --preset binarized, the literature's "
                        "figure; k = 1 is the ELBO, and a larger k gives a tighter bound for k times the work)")

    p = sub.add_parser("sample", help="write N samples to a .npy file")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by train, engine or the window")
    p.add_argument("--n", type=int, required=True, metavar="N", help="how many samples, 1 to 10000000")
    p.add_argument("--out", required=True, metavar="FILE.npy",
                   help="the .npy file to write (float32; (N, 2) for 2-D data, (N, C, H, W) for images); "
                        "its folder must exist")
    p.add_argument("--device", choices=DEVICES, default=None, help=DEVICE_HELP + " (default: the run's train.device)")

    p = sub.add_parser("screenshot", help="train N steps in the real window off-screen and save a PNG")
    _model_args(p)
    p.add_argument("--steps", type=_positive_int, default=300, metavar="N",
                   help="train N >= 1 steps before the picture is taken (default: 300)")
    p.add_argument("--out", required=True, metavar="FILE.png", help="the PNG file to write")

    p = sub.add_parser(
        "engine", help="train on this machine (e.g. a GPU box); windows elsewhere attach over TCP",
        description="Train here whether or not a window is attached; windows attach with 'python main.py gui "
                    "--attach tcp://HOST:PORT --key-file F' to watch and steer. Every message is signed with a key "
                    "(not encrypted): across an untrusted network, listen on 127.0.0.1 and use ssh -L.")
    p.add_argument("--listen", required=True, metavar="HOST:PORT",
                   help="where windows connect: PORT or :PORT listens on 127.0.0.1 only (the default; reach it "
                        "through ssh -L), 0.0.0.0:PORT on every interface; port 0 picks a free one")
    p.add_argument("--model", choices=MODELS, default=None, help="a new model to build and train at once "
                                                                  "(with --dataset)")
    p.add_argument("--dataset", default=None, metavar="D",
                   help=f"the new model's data set (with --model), one of {', '.join(_dataset_names())}")
    p.add_argument("--preset", default=None, metavar="P", help=_preset_help())
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="one setting of the new model, e.g. gan.lr_g=1e-4 (repeat for more)")
    p.add_argument("--steps", type=_positive_int, metavar="N",
                   help="train until step N >= 1 (default: the run's train.steps)")
    p.add_argument("--seed", type=int, metavar="S", help="the new model's train.seed, any whole number")
    p.add_argument("--device", choices=DEVICES, default=None,
                   help="where to train (default: the run's train.device; auto = CUDA, then MPS, then the CPU)")
    p.add_argument("--key-file", metavar="F", help="the key windows must sign with: reused if F exists, else 32 "
                                                  "random bytes are written there in hex (mode 0600); "
                                                  "default RUN_ROOT/engine.key")
    p.add_argument("--run-root", metavar="DIR",
                   help="the engine's folder: Ctrl-C or SIGTERM saves the run here, and windows may save, load and "
                        "download only inside it; default ./genviz-engine-run-DATE-TIME in the current folder")
    p.add_argument("--paused", action="store_true", help="build or load the model, but wait, paused, for a window")
    p.add_argument("run_dir", nargs="?", default=None, metavar="RUN_DIR",
                   help="a saved run to load and carry on (instead of --model and --dataset)")

    p = sub.add_parser(
        "export", help="write pictures, films or metrics of a saved run from its timeline",
        description="Pictures and films show the run's panels as they were at recorded steps (a run keeps its "
                    "weights at regular step intervals in RUN_DIR/timeline.safetensors); --csv writes its metrics.")
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder written by train, engine or the window")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--gif", metavar="F.gif", help="an animated GIF of the recorded steps from --from to --to")
    g.add_argument("--mp4", metavar="F.mp4", help="an MP4 film (H.264) of the recorded steps from --from to --to")
    g.add_argument("--png", metavar="F.png", help="a PNG picture of one step (--step; default the run's last)")
    g.add_argument("--svg", metavar="F.svg", help="an SVG picture of one step (--step; default the run's last)")
    g.add_argument("--csv", metavar="F.csv",
                   help="every metric of the run, one row per downsampled bucket, with whole steps")
    g.add_argument("--tensorboard", metavar="OUT_DIR",
                   help="every metric of the run as TensorBoard event files in OUT_DIR/<run name>/ (made if "
                        "missing), whole steps; needs the optional extra: pip install 'genviz[tensorboard]'")
    p.add_argument("--panel", metavar="NAME", default=None,
                   help="one panel: 'main' (the model's main view) or a panel's name, e.g. gan_losses; an unknown "
                        "name exits 2 and lists the run's panels (default: the whole set, main view and the "
                        "panels beside it)")
    p.add_argument("--step", type=int, metavar="S", default=None,
                   help="for --png and --svg: the step to show, 0 to the run's last (the latest recorded weights "
                        "at or before S; default: the run's last step)")
    p.add_argument("--from", dest="from_step", type=int, metavar="S", default=None,
                   help="for --gif and --mp4: the first step (default: the first recorded)")
    p.add_argument("--to", dest="to_step", type=int, metavar="S", default=None,
                   help="for --gif and --mp4: the last step, at most the run's last (default: the run's last)")
    p.add_argument("--fps", type=_positive_int, metavar="N", default=None,
                   help="for --gif and --mp4: frames a second, 1 to 60 (default: 10)")
    p.add_argument("--with", dest="with_runs", action="append", default=[], metavar="RUN_DIR",
                   help="for --csv and --tensorboard, repeatable: other runs' metrics in the same table, with a "
                        "first column 'run' naming each run by its folder (--tensorboard: a folder for each run)")

    p = sub.add_parser("bench", help="run the performance benchmarks")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object on stdout")
    p.add_argument("--quick", action="store_true", help="shorter runs (for tests)")
    return parser


def run(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "gui"
    from core.config import ConfigError

    try:
        if command == "train":
            from core.commands import train

            return train(args)
        if command == "eval":
            from core.commands import evaluate

            return evaluate(args)
        if command == "sample":
            from core.commands import sample

            return sample(args)
        if command == "gui":
            key = None
            if getattr(args, "attach", None):
                from gui.engine_link import parse_address, read_key_file

                if not args.key_file:
                    raise ConfigError("--attach needs --key-file F, the key file the engine wrote")
                try:
                    parse_address(args.attach)
                    key = read_key_file(args.key_file)
                except ValueError as exc:
                    raise ConfigError(str(exc)) from None
            elif getattr(args, "run_dir", None) is None:  # bad names fail here, as train's do, not in the window
                from core.presets import build_config

                build_config(getattr(args, "model", None) or "gan", getattr(args, "dataset", None) or "ring8",
                             getattr(args, "preset", None))
            from gui.app import run_gui

            return run_gui(getattr(args, "model", None), getattr(args, "dataset", None),
                           getattr(args, "preset", None), getattr(args, "autostart", False),
                           getattr(args, "run_dir", None), getattr(args, "engine", "process"),
                           attach=getattr(args, "attach", None), key=key)
        if command == "engine":  # no Qt on this path: the box may have none
            from core.engine_cli import run_engine

            return run_engine(args)
        if command == "screenshot":
            from gui.screenshot import take_screenshot

            return take_screenshot(args.model, args.dataset, args.preset, args.steps, args.out)
        if command == "export":  # Qt draws the pictures, off-screen; bad options exit 2 before it starts
            from gui.export import export_run

            return export_run(args)
        if command == "bench":
            from gui.bench import run_bench

            return run_bench(as_json=args.json, quick=args.quick)
    except ConfigError as exc:
        print(f"genviz: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_FAILURE
    except Exception as exc:  # a failure while running: say what, not a traceback
        print(f"genviz: failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_BAD_INPUT


def main() -> None:
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    main()
