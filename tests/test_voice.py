"""What the hall says: Vietnamese numerals, the call sentence, and clip sets built and checked."""

from __future__ import annotations

import array
import shutil
from pathlib import Path

import pytest

from display.voice import clipset, wav
from display.voice.engines import ClipVoice, EspeakVoice
from display.voice.numerals import digit_words, numeral_words
from display.voice.utterance import CallWords, call_utterance, calls_utterance


@pytest.mark.parametrize(("number", "north"), [
    (0, "không"), (5, "năm"), (10, "mười"), (11, "mười một"), (14, "mười bốn"),
    (15, "mười lăm"), (20, "hai mươi"), (21, "hai mươi mốt"), (24, "hai mươi tư"),
    (25, "hai mươi lăm"), (55, "năm mươi lăm"), (100, "một trăm"), (101, "một trăm linh một"),
    (105, "một trăm linh năm"), (110, "một trăm mười"), (115, "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt"), (1000, "một nghìn"), (1005, "một nghìn không trăm linh năm"),
    (1010, "một nghìn không trăm mười"), (1023, "một nghìn không trăm hai mươi ba"),
    (1100, "một nghìn một trăm"), (2041, "hai nghìn không trăm bốn mươi mốt"),
    (10000, "mười nghìn"), (21000, "hai mươi mốt nghìn"), (105000, "một trăm linh năm nghìn"),
    (999999, "chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
])
def test_vietnamese_numerals(number: int, north: str) -> None:
    assert " ".join(numeral_words(number)) == north


def test_southern_numerals_say_le_and_ngan() -> None:
    assert " ".join(numeral_words(1005, "south")) == "một ngàn không trăm lẻ năm"


def test_digits_are_read_one_by_one_and_bad_numbers_refused() -> None:
    assert digit_words("1023") == ["một", "không", "hai", "ba"]
    with pytest.raises(ValueError):
        digit_words("10a3")
    with pytest.raises(ValueError):
        numeral_words(1_000_000)


def test_the_call_sentence_in_both_number_styles() -> None:
    digits = call_utterance("1023", 5)
    assert digits.text == "Mời công dân có số thứ tự một không hai ba đến quầy số năm"
    words = call_utterance("1023", 12, numbers="words", chime=False)
    assert words.text == "Mời công dân có số thứ tự một nghìn không trăm hai mươi ba đến quầy số mười hai"
    assert digits.clip_names[:3] == ["chime", "moi-cong-dan", "mot"]
    assert "chime" not in words.clip_names


needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


@needs_espeak
def test_a_clip_set_built_from_espeak_is_complete_and_speaks_joined_calls(tmp_path: Path) -> None:
    clipset.build(tmp_path, clipset.espeak_synthesiser("vi"), source="espeak", dialect="north")
    assert clipset.check(tmp_path) == []
    two = calls_utterance([CallWords("2003", 3), CallWords("6008", 8)])
    rendered = ClipVoice(tmp_path).render(two)
    audio = wav.read(rendered.wav)
    assert (audio.rate, audio.channels) == (wav.RATE, 1)
    assert 4.0 < audio.seconds < 15.0 and wav.peak(audio) > 10000
    assert 1.0 < rendered.offsets_s[0] < rendered.offsets_s[1] < audio.seconds


@needs_espeak
def test_one_call_is_the_chime_and_the_sentence_once_within_six_seconds() -> None:
    voice = EspeakVoice("vi")
    bare = voice.render(call_utterance("1004", 1, chime=False))
    called = voice.render(call_utterance("1004", 1))
    assert called.seconds <= 6.0
    assert called.seconds > bare.seconds + 1.0  # the chime, then the sentence
    assert bare.offsets_s == (0.0,) and called.offsets_s[0] > 1.0


def test_joined_calls_say_the_invitation_once() -> None:
    two = calls_utterance([CallWords("2003", 3, "call-7"), CallWords("6008", 8, "call-9")])
    assert two.text == ("Mời công dân có số thứ tự hai không không ba đến quầy số ba, "
                        "số sáu không không tám đến quầy số tám")
    assert two.call_ids == ("call-7", "call-9")
    assert two.clip_names.count("moi-cong-dan") == 1 and "so" in two.clip_names


def test_check_names_missing_silent_clipped_and_wrong_format_clips(tmp_path: Path) -> None:
    tone = wav.chime()
    clipset.build(tmp_path, lambda text, path: path.write_bytes(wav.encode(tone)),
                  source="tone", dialect="north")
    assert clipset.check(tmp_path) == []
    (tmp_path / "mot.wav").unlink()
    (tmp_path / "hai.wav").write_bytes(wav.encode(wav.silence(0.5)))
    loud = wav.Pcm(wav.RATE, 1, 2, b"\xff\x7f" * 2000)
    (tmp_path / "ba.wav").write_bytes(wav.encode(loud))
    (tmp_path / "bon.wav").write_bytes(wav.encode(wav.Pcm(44100, 1, 2, tone.frames)))
    problems = "\n".join(clipset.check(tmp_path))
    assert "mot.wav (một): missing" in problems
    assert "hai.wav (hai): silent" in problems
    assert "ba.wav (ba): clipped" in problems
    assert "bon.wav (bốn): format 44100 Hz" in problems


@pytest.mark.skipif(shutil.which("sox") is None, reason="sox not installed")
def test_import_converts_recordings_with_sox_and_normalises(tmp_path: Path) -> None:
    recordings = tmp_path / "rec"
    recordings.mkdir()
    quiet = wav.Pcm(wav.RATE, 1, 2, bytes(2000) + wav.chime().frames)
    samples = array.array("h", (s // 8 for s in array.array("h", quiet.frames)))
    for stem in clipset.CLIP_NAMES.values():
        (recordings / f"{stem}.wav").write_bytes(
            wav.encode(wav.Pcm(44100, 1, 2, samples.tobytes())))  # 44.1 kHz: sox resamples
    out = tmp_path / "clips"
    clipset.build(out, clipset.import_synthesiser(recordings), source="rec", dialect="south")
    assert clipset.check(out) == []
    clip = wav.read(out / "ngan.wav")
    assert clip.rate == wav.RATE and abs(wav.peak(clip) - clipset.TARGET_PEAK) < 50
