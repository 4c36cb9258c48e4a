#!/usr/bin/env python3
"""Synthesize spoken digits "zero".."nine" with espeak-ng and turn them into MFCC sequences.

Every (accent, voice variant) pair says every word twice, at a random speed and pitch,
with a little white noise added (SNR 15-35 dB). Each utterance becomes 12 frames of 13 MFCCs:

  trim silence (frames below -35 dB of the loudest frame, on the clean signal) -> add noise
  -> pre-emphasis 0.97 -> 25 ms Hamming frames every 10 ms -> |FFT 512|^2 -> 26 mel bands
  (0-8 kHz) -> log -> DCT-II (orthonormal), first 13 coefficients -> split the frames into
  12 equal segments and average each.

Writes examples/pytorch/build/speech.npz (raw features; train_speech.py normalizes them).
Needs the espeak-ng program (Debian: apt-get install espeak-ng).

    python make_speech.py [--out build/speech.npz] [--repeats 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy.fft import dct
from scipy.io import wavfile

from common import BUILD_DIR

WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
ACCENTS = ["en", "en-us", "en-gb-scotland", "en-029", "en-us-nyc", "en-gb-x-gbclan", "en-gb-x-gbcwmd", "en-gb-x-rp"]
VARIANTS = [
    "", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5", "croak", "klatt",
    "klatt2", "klatt3", "adam", "Andrea", "linda", "max", "robert", "steph", "john", "Annie",
]
HELD_OUT_ACCENTS = {"en-029"}
HELD_OUT_VARIANTS = {"m4", "f2", "klatt2", "john", "Annie"}
SPEED_RANGE = (100, 250)  # words per minute
HELD_OUT_SPEED = 226  # utterances at or above this speed are test data
PITCH_RANGE = (15, 85)
SNR_DB = (15.0, 35.0)

N_FRAMES = 12
N_MFCC = 13
N_MELS = 26
N_FFT = 512
SEED = 3


def mel_filterbank(sample_rate: int, n_fft: int = N_FFT, n_mels: int = N_MELS, fmax: float = 8000.0) -> np.ndarray:
    """Triangular filters equally spaced on the mel scale, (n_mels, n_fft // 2 + 1)."""
    def to_mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def to_hz(m):
        return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)

    fmax = min(fmax, sample_rate / 2)
    edges = to_hz(np.linspace(0.0, to_mel(fmax), n_mels + 2))
    freqs = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)
    bank = np.zeros((n_mels, len(freqs)))
    for m in range(n_mels):
        lo, mid, hi = edges[m], edges[m + 1], edges[m + 2]
        rising = (freqs - lo) / (mid - lo)
        falling = (hi - freqs) / (hi - mid)
        bank[m] = np.clip(np.minimum(rising, falling), 0.0, None)
    return bank


def frame_signal(x: np.ndarray, sample_rate: int, win_ms: float = 25.0, hop_ms: float = 10.0) -> np.ndarray:
    win = int(round(sample_rate * win_ms / 1000))
    hop = int(round(sample_rate * hop_ms / 1000))
    if len(x) < win:
        x = np.pad(x, (0, win - len(x)))
    count = 1 + (len(x) - win) // hop
    idx = np.arange(win)[None, :] + hop * np.arange(count)[:, None]
    return x[idx]


def trim_silence(x: np.ndarray, sample_rate: int, threshold_db: float = -35.0, pad_ms: float = 20.0) -> np.ndarray:
    frames = frame_signal(x, sample_rate)
    energy = 10.0 * np.log10((frames**2).mean(axis=1) + 1e-12)
    loud = np.nonzero(energy >= energy.max() + threshold_db)[0]
    hop = int(round(sample_rate * 0.010))
    pad = int(round(sample_rate * pad_ms / 1000))
    start = max(0, loud[0] * hop - pad)
    end = min(len(x), loud[-1] * hop + int(round(sample_rate * 0.025)) + pad)
    return x[start:end]


def mfcc_sequence(x: np.ndarray, sample_rate: int, n_frames: int = N_FRAMES) -> np.ndarray:
    """(n_frames, N_MFCC) float32 features of a (trimmed) mono signal in [-1, 1]."""
    x = np.append(x[0], x[1:] - 0.97 * x[:-1])
    frames = frame_signal(x, sample_rate) * np.hamming(int(round(sample_rate * 0.025)))
    power = np.abs(np.fft.rfft(frames, n=N_FFT)) ** 2 / N_FFT
    logmel = np.log(power @ mel_filterbank(sample_rate).T + 1e-8)
    mfcc = dct(logmel, type=2, norm="ortho", axis=1)[:, :N_MFCC]
    if len(mfcc) < n_frames:  # very short utterance: repeat frames so every segment has one
        mfcc = np.repeat(mfcc, -(-n_frames // len(mfcc)), axis=0)
    return np.stack([seg.mean(axis=0) for seg in np.array_split(mfcc, n_frames)]).astype(np.float32)


def synthesize(word: str, voice: str, speed: int, pitch: int, path: str) -> tuple[int, np.ndarray]:
    """espeak-ng says ``word`` into the wav file ``path`` (deleted after reading); returns (rate, samples)."""
    subprocess.run(["espeak-ng", "-w", path, "-v", voice, "-s", str(speed), "-p", str(pitch), word],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    rate, data = wavfile.read(path)
    os.remove(path)
    return rate, data.astype(np.float64) / 32768.0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=os.path.join(BUILD_DIR, "speech.npz"))
    p.add_argument("--repeats", type=int, default=2, help="utterances per (accent, variant, word)")
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()

    rng = np.random.default_rng(SEED)
    jobs = []
    for accent in ACCENTS:
        for variant in VARIANTS:
            voice = f"{accent}+{variant}" if variant else accent
            for label, word in enumerate(WORDS):
                for _ in range(args.repeats):
                    speed = int(rng.integers(SPEED_RANGE[0], SPEED_RANGE[1] + 1))
                    pitch = int(rng.integers(PITCH_RANGE[0], PITCH_RANGE[1] + 1))
                    snr = float(rng.uniform(*SNR_DB))
                    noise_seed = int(rng.integers(2**31))
                    jobs.append((accent, variant, voice, label, word, speed, pitch, snr, noise_seed))

    start = time.time()

    def work(numbered):
        n, (accent, variant, voice, label, word, speed, pitch, snr, noise_seed) = numbered
        rate, x = synthesize(word, voice, speed, pitch, os.path.join(tmp, f"{n}.wav"))
        x = trim_silence(x, rate)
        noise = np.random.default_rng(noise_seed).standard_normal(len(x))
        x = x + noise * np.sqrt((x**2).mean() / 10.0 ** (snr / 10.0))
        return mfcc_sequence(x, rate)

    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(args.workers) as pool:
        feats = list(pool.map(work, enumerate(jobs)))

    accents = np.array([j[0] for j in jobs])
    variants = np.array([j[1] for j in jobs])
    speeds = np.array([j[5] for j in jobs])
    test = (np.isin(accents, sorted(HELD_OUT_ACCENTS)) | np.isin(variants, sorted(HELD_OUT_VARIANTS))
            | (speeds >= HELD_OUT_SPEED))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    np.savez_compressed(
        args.out,
        features=np.stack(feats),
        labels=np.array([j[3] for j in jobs], dtype=np.int64),
        accents=accents,
        variants=variants,
        speeds=speeds,
        pitches=np.array([j[6] for j in jobs]),
        snr_db=np.array([j[7] for j in jobs], dtype=np.float32),
        test=test,
    )
    print(f"{len(jobs)} utterances ({int(test.sum())} held out) -> {args.out} in {time.time() - start:.1f}s")


if __name__ == "__main__":
    main()
