"""Golden fixtures for the speech front end (src/audio/features.ts), from NumPy/SciPy.

An independent implementation of the definitions in the header of src/audio/features.ts,
written with NumPy/SciPy primitives (np.hamming / np.hanning, np.fft.rfft,
scipy.fft.dct(type=2, norm='ortho')), in float64:

    pre-emphasis   y[0] = x[0], y[n] = x[n] - a x[n-1]
    frames         L = round_half_up(frame_length * sr), S = round_half_up(frame_shift * sr),
                   T = 1 + (N - L) // S (1 zero-padded frame when N < L), frame t = y[tS : tS + L]
    window         symmetric Hamming / Hann (np.hamming / np.hanning)
    power          |rfft(frame * window, n_fft)|^2
    mel            HTK 2595 log10(1 + f / 700); triangles on n_mels + 2 mel-spaced edges,
                   evaluated at bin frequencies k sr / n_fft (librosa htk=True, norm=None)
    log-mel        ln(max(E, 1e-10))
    mfcc           dct(logmel, type=2, norm='ortho')[:, :n_mfcc]
    deltas         d_t = sum_n n (c[t+n] - c[t-n]) / (2 sum_n n^2), edge-padded, n = 1..N
    normalisation  (x - mean) / sqrt(var + 1e-10) per column (population variance)

Input: a fixed signal (linear chirp 100 Hz -> 0.45 sr plus seeded Gaussian noise, float32).
Fixture: inputs {"signal"}, outputs {"power" (first 3 frames), "fbank" (n_mels, n_fft/2+1),
"logmel", "mfcc" (mfcc cases), "features"}; config = the FeatureOptions in TypeScript names.
"""
import sys

sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
import scipy  # noqa: E402
import scipy.fft  # noqa: E402

from common import fixture, seed_for, tensors_json, write_fixture  # noqa: E402

SCRIPT = "audio_features.py"


def round_half_up(x):
    return int(np.floor(x + 0.5))


def hz_to_mel(f):
    return 2595.0 * np.log10(1.0 + np.asarray(f, dtype=np.float64) / 700.0)


def mel_to_hz(m):
    return 700.0 * (10.0 ** (np.asarray(m, dtype=np.float64) / 2595.0) - 1.0)


def mel_fbank(n_mels, n_fft, sr, fmin, fmax):
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    freqs = np.arange(n_fft // 2 + 1) * sr / n_fft
    fb = np.zeros((n_mels, n_fft // 2 + 1))
    for m in range(n_mels):
        lo, mid, hi = edges[m], edges[m + 1], edges[m + 2]
        up = (freqs - lo) / (mid - lo)
        down = (hi - freqs) / (hi - mid)
        fb[m] = np.maximum(0.0, np.minimum(up, down))
    return fb


def delta(c, n_win):
    T = c.shape[0]
    padded = np.pad(c, ((n_win, n_win), (0, 0)), mode="edge")
    num = np.zeros_like(c)
    for n in range(1, n_win + 1):
        num += n * (padded[n_win + n:n_win + n + T] - padded[n_win - n:n_win - n + T])
    return num / (2.0 * sum(n * n for n in range(1, n_win + 1)))


def features(signal, cfg):
    sr = cfg["sampleRate"]
    x = signal.astype(np.float64)
    a = cfg["preEmphasis"]
    y = np.concatenate([x[:1], x[1:] - a * x[:-1]])
    L = round_half_up(cfg["frameLength"] * sr)
    S = round_half_up(cfg["frameShift"] * sr)
    n_fft = cfg["nFft"]
    N = len(y)
    T = 1 if N < L else 1 + (N - L) // S
    frames = np.zeros((T, L))
    for t in range(T):
        seg = y[t * S:t * S + L]
        frames[t, :len(seg)] = seg
    win = np.hamming(L) if cfg["window"] == "hamming" else np.hanning(L)
    power = np.abs(np.fft.rfft(frames * win, n=n_fft, axis=1)) ** 2
    fb = mel_fbank(cfg["nMels"], n_fft, sr, cfg["fMin"], cfg["fMax"])
    logmel = np.log(np.maximum(power @ fb.T, 1e-10))
    out = {"power": power[:3], "fbank": fb, "logmel": logmel}
    if cfg["kind"] == "mfcc":
        base = scipy.fft.dct(logmel, type=2, norm="ortho", axis=1)[:, :cfg["nMfcc"]]
        out["mfcc"] = base
    else:
        base = logmel
    feats = [base]
    if cfg["deltas"] >= 1:
        feats.append(delta(base, cfg["deltaWindow"]))
    if cfg["deltas"] >= 2:
        feats.append(delta(feats[1], cfg["deltaWindow"]))
    f = np.concatenate(feats, axis=1)
    if cfg["normalize"]:
        f = (f - f.mean(axis=0)) / np.sqrt(f.var(axis=0) + 1e-10)
    out["features"] = f
    return out


def test_signal(case, sr, seconds):
    rng = np.random.default_rng(seed_for(case))
    n = round_half_up(seconds * sr)
    t = np.arange(n) / sr
    f0, f1 = 100.0, 0.45 * sr
    phase = 2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * seconds))
    s = 0.5 * np.sin(phase) * np.hanning(n) + 0.02 * rng.standard_normal(n)
    return s.astype(np.float32)


def defaults(**kw):
    cfg = {"kind": "mfcc", "preEmphasis": 0.97, "frameLength": 0.025, "frameShift": 0.01,
           "window": "hamming", "nMels": 40, "fMin": 0.0, "nMfcc": 13, "deltas": 2,
           "deltaWindow": 2, "normalize": True}
    cfg.update(kw)
    sr = cfg["sampleRate"]
    cfg.setdefault("fMax", sr / 2)
    L = round_half_up(cfg["frameLength"] * sr)
    cfg.setdefault("nFft", 1 << (L - 1).bit_length())
    return cfg


CASES = [
    ("audio_mfcc_8k", "8 kHz, 13 MFCC + deltas + delta-deltas, Hamming, CMVN (the recogniser's default)",
     defaults(sampleRate=8000), 0.6),
    ("audio_logmel_16k_hann", "16 kHz, 40 log-mel in 20-7600 Hz, Hann, no pre-emphasis, deltas, no CMVN",
     defaults(sampleRate=16000, kind="logmel", window="hann", preEmphasis=0.0, fMin=20.0,
              fMax=7600.0, deltas=1, normalize=False), 0.3),
    ("audio_mfcc_11025_nfft1024", "11025 Hz (frame 276 samples), nFft 1024, 20 MFCC of 26 mels, delta window 3",
     defaults(sampleRate=11025, nFft=1024, nMels=26, nMfcc=20, deltaWindow=3), 0.25),
    ("audio_short", "a signal shorter than one frame: one zero-padded frame",
     defaults(sampleRate=8000, deltas=1, normalize=False), 0.01),
]


def main():
    paths = []
    for case, desc, cfg, seconds in CASES:
        sig = test_signal(case, cfg["sampleRate"], seconds)
        out = features(sig, cfg)
        doc = fixture(case, SCRIPT, desc, cfg, inputs=tensors_json({"signal": sig}),
                      outputs=tensors_json(out))
        doc["torch"] = f"none (numpy {np.__version__}, scipy {scipy.__version__})"
        paths.append(write_fixture(doc))
    return paths


if __name__ == "__main__":
    for p in main():
        print(p)
