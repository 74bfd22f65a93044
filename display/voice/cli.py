"""`xephang voice build|check|say`: make a clip set from a voice, check one, or hear a call."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from display.voice import clipset
from display.voice.engines import ClipVoice, EspeakVoice, Voice
from display.voice.utterance import call_utterance


def add_parser(commands: Any) -> None:
    voice = commands.add_parser("voice", help="build, check or try the hall display's voice")
    sub = voice.add_subparsers(dest="voice_command", required=True)
    build = sub.add_parser("build", help="make a clip set (one WAV per phrase and word)")
    build.add_argument("--engine", choices=("espeak", "command", "import"), default="espeak")
    build.add_argument("--voice", default="vi", help="espeak-ng voice: vi, vi-vn-x-central, "
                       "vi-vn-x-south")
    build.add_argument("--command", help='a TTS reading text on stdin, writing {out}, e.g. '
                       '"piper --model vi_VN-vais1000-medium.onnx --output_file {out}"')
    build.add_argument("--source", type=Path, help="folder of recordings named by clip (import)")
    build.add_argument("--dialect", choices=("north", "south"), default="north")
    build.add_argument("--out", type=Path, required=True)
    check = sub.add_parser("check", help="check a clip set is complete and usable")
    check.add_argument("folder", type=Path)
    say = sub.add_parser("say", help="render one call as a WAV file to listen to")
    say.add_argument("--number", required=True)
    say.add_argument("--counter", type=int, required=True)
    say.add_argument("--clips", type=Path, help="a clip set; default espeak-ng")
    say.add_argument("--voice", default="vi")
    say.add_argument("--numbers", choices=("digits", "words"), default="digits")
    say.add_argument("--dialect", choices=("north", "south"), default="north")
    say.add_argument("--out", type=Path, required=True)
    voice.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.voice_command == "build":
        return _build(args)
    if args.voice_command == "check":
        return _check(args.folder)
    return _say(args)


def _build(args: argparse.Namespace) -> int:
    if args.engine == "command":
        if not args.command:
            raise ValueError("--engine command needs --command")
        synthesise = clipset.command_synthesiser(shlex.split(args.command))
        source = f"command: {args.command}"
    elif args.engine == "import":
        if args.source is None:
            raise ValueError("--engine import needs --source FOLDER")
        synthesise, source = clipset.import_synthesiser(args.source), f"recordings: {args.source}"
    else:
        synthesise, source = clipset.espeak_synthesiser(args.voice), f"espeak-ng -v {args.voice}"
    stems = clipset.build(args.out, synthesise, source=source, dialect=args.dialect)
    print(f"{len(stems)} clips in {args.out}")
    return _check(args.out)


def _check(folder: Path) -> int:
    problems = clipset.check(folder)
    for problem in problems:
        print(problem, file=sys.stderr)
    print(f"{folder}: " + ("ready" if not problems else f"{len(problems)} problem(s)"))
    return 0 if not problems else 1


def _say(args: argparse.Namespace) -> int:
    voice: Voice = ClipVoice(args.clips) if args.clips else EspeakVoice(args.voice)
    utterance = call_utterance(args.number, args.counter, numbers=args.numbers,
                               dialect=args.dialect)
    args.out.write_bytes(voice.render(utterance).wav)
    print(f"{args.out}: {utterance.text}")
    return 0
