"""bot.media: rendering, probing, thumbnails and re-encoding real videos with PyAV."""

from __future__ import annotations

import math
import struct
import time
from fractions import Fraction
from pathlib import Path

import av
import pytest
from av.audio.frame import AudioFrame
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from bot import media
from bot.media import MediaError, MediaInfo


def _frames(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        return [bytes(frame.planes[0]) for frame in container.decode(video=0)]


@pytest.mark.parametrize("seconds", [10, 15, 25])
def test_render_video_has_exact_duration(tmp_path: Path, seconds: int) -> None:
    out = media.render_video(tmp_path / "v.mp4", text="an orange cat naps in the sun", seconds=seconds)
    info = media.probe(out)
    assert abs(info.duration - seconds) < 0.1
    assert info.codec == "h264"
    assert info.has_video and not info.has_audio
    assert info.size_bytes == out.stat().st_size > 0
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.format.name == "yuv420p"
        assert abs(float(stream.duration * stream.time_base) - seconds) < 0.1
        assert stream.frames == seconds * 12


def test_render_video_is_fast(tmp_path: Path) -> None:
    started = time.perf_counter()
    media.render_video(tmp_path / "v.mp4", text="speed check " * 20, seconds=25, size="720x1280")
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(("size", "expected"), [
    ("1280x720", (320, 180)),
    ("720x1280", (320, 568)),
    ("1024x1792", (320, 560)),
    ("1792x1024", (320, 182)),
])
def test_render_video_aspect_ratio(tmp_path: Path, size: str, expected: tuple[int, int]) -> None:
    info = media.probe(media.render_video(tmp_path / "v.mp4", text="aspect", seconds=4, size=size))
    assert (info.width, info.height) == expected
    portrait = media.parse_size(size)[1] > media.parse_size(size)[0]
    assert (info.height > info.width) == portrait


def test_render_video_width_and_fps(tmp_path: Path) -> None:
    info = media.probe(media.render_video(tmp_path / "v.mp4", text="w", seconds=4, width=201, fps=8))
    assert info.width % 2 == 0 and info.height % 2 == 0
    assert info.width == 200 and info.fps == 8


def test_render_video_frames_differ_and_faststart(tmp_path: Path) -> None:
    out = media.render_video(tmp_path / "v.mp4", text="frames move", seconds=4)
    frames = _frames(out)
    assert len(frames) == 48
    assert frames[0] != frames[24] != frames[-1]
    head = out.read_bytes()
    assert 0 <= head.find(b"moov") < head.find(b"mdat"), "moov atom first (+faststart)"


def test_render_video_scenes(tmp_path: Path) -> None:
    out = media.render_video(tmp_path / "v.mp4", text="", seconds=10,
                             scenes=[(0, 4, "first scene"), (4, 10, "second scene")])
    assert abs(media.probe(out).duration - 10) < 0.1


def test_render_video_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        media.render_video(tmp_path / "v.mp4", text="x", seconds=0)
    with pytest.raises(ValueError):
        media.render_video(tmp_path / "v.mp4", text="x", seconds=4, size="wide")


def test_thumbnails(tmp_path: Path) -> None:
    thumb = media.render_thumbnail(tmp_path / "t.jpg", text="a thumbnail", size="720x1280", width=160)
    with Image.open(thumb) as image:
        assert image.format == "JPEG" and image.size == (160, 284)
    video = media.render_video(tmp_path / "v.mp4", text="first frame", seconds=4, size="1280x720")
    first = media.extract_thumbnail(video, tmp_path / "first.jpg")
    with Image.open(first) as image:
        assert image.format == "JPEG" and image.size == (320, 180)
    sheet = media.extract_spritesheet(video, tmp_path / "sheet.jpg", tiles=6, columns=3, tile_width=64)
    with Image.open(sheet) as image:
        assert image.format == "JPEG" and image.size == (64 * 3, 36 * 2)


def test_probe_rejects_non_videos(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("this is not a video at all\n" * 50)
    with pytest.raises(MediaError, match="not a"):
        media.probe(text)
    binary = tmp_path / "blob.bin"
    binary.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(MediaError, match="not a"):
        media.probe(binary)
    image = media.render_thumbnail(tmp_path / "still.jpg", text="still")
    with pytest.raises(MediaError, match="image"):
        media.probe(image)
    with pytest.raises(MediaError, match="no such file"):
        media.probe(tmp_path / "missing.mp4")
    garbage = tmp_path / "garbage.mp4"
    garbage.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20)
    with pytest.raises(MediaError):
        media.probe(garbage)


def test_probe_returns_media_info(tmp_path: Path) -> None:
    info = media.probe(media.render_video(tmp_path / "v.mp4", text="x", seconds=8))
    assert isinstance(info, MediaInfo)
    with pytest.raises(AttributeError):
        info.duration = 3  # type: ignore[misc]  # frozen


@pytest.fixture(scope="module")
def noise_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("noise") / "noise.mp4"
    return media.render_noise_video(path, seconds=4, width=320, height=240, fps=24, bitrate=6_000_000)


def test_noise_video_has_requested_size(noise_video: Path) -> None:
    info = media.probe(noise_video)
    assert abs(info.duration - 4) < 0.1
    assert 2_400_000 < info.size_bytes < 3_600_000  # ≈ 6 Mbit/s × 4 s = 3 MB


def test_reencode_to_fit_gets_under_the_limit(noise_video: Path, tmp_path: Path) -> None:
    limit = 1_000_000
    out = media.reencode_to_fit(noise_video, tmp_path / "small.mp4", limit)
    assert out == tmp_path / "small.mp4"
    info = media.probe(out)
    assert info.size_bytes < limit
    assert abs(info.duration - 4) < 0.1
    assert info.codec == "h264"
    assert len(_frames(out)) == round(info.duration * info.fps)  # every frame decodes
    assert not (tmp_path / "small.mp4.part").exists()


def test_reencode_to_fit_lowers_resolution_for_tight_budgets(tmp_path: Path) -> None:
    big = media.render_noise_video(tmp_path / "hd.mp4", seconds=3, width=1280, height=720, fps=24,
                                   bitrate=4_000_000)
    out = media.reencode_to_fit(big, tmp_path / "tiny.mp4", 150_000)
    assert out is not None
    info = media.probe(out)
    assert info.size_bytes < 150_000
    assert info.width < 1280 and abs(info.width / info.height - 16 / 9) < 0.05
    assert abs(info.duration - 3) < 0.1


def test_reencode_to_fit_impossible_target(noise_video: Path, tmp_path: Path) -> None:
    assert media.reencode_to_fit(noise_video, tmp_path / "never.mp4", 2_000) is None
    assert not (tmp_path / "never.mp4").exists()


def test_reencode_to_fit_copies_a_video_that_already_fits(tmp_path: Path) -> None:
    src = media.render_video(tmp_path / "v.mp4", text="small already", seconds=4)
    out = media.reencode_to_fit(src, tmp_path / "copy.mp4", 10 * 1024 * 1024)
    assert out is not None and out.read_bytes() == src.read_bytes()


def test_reencode_to_fit_rejects_non_videos(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"nope" * 100)
    with pytest.raises(MediaError):
        media.reencode_to_fit(junk, tmp_path / "out.mp4", 1_000_000)


def _video_with_audio(dest: Path, seconds: int = 3, sample_rate: int = 22050) -> Path:
    """Noise video plus a sine tone, to check the audio track survives re-encoding."""
    noise = media.render_noise_video(dest.with_name("v-only.mp4"), seconds=seconds, width=320, height=240,
                                     fps=24, bitrate=5_000_000)
    with av.open(str(noise)) as src, av.open(str(dest), "w", format="mp4") as out:
        vin = src.streams.video[0]
        vout = out.add_stream_from_template(vin)
        aout = out.add_stream("aac", rate=sample_rate)
        aout.layout = "mono"
        for packet in src.demux(vin):
            if packet.dts is None:
                continue
            packet.stream = vout
            out.mux(packet)
        done = 0
        total = seconds * sample_rate
        while done < total:
            n = min(1024, total - done)
            frame = AudioFrame(format="s16", layout="mono", samples=n)
            frame.sample_rate = sample_rate
            frame.planes[0].update(b"".join(
                struct.pack("<h", int(6000 * math.sin(2 * math.pi * 440 * (done + i) / sample_rate)))
                for i in range(n)))
            frame.pts = done
            frame.time_base = Fraction(1, sample_rate)
            out.mux(aout.encode(frame))
            done += n
        out.mux(aout.encode(None))
    return dest


def test_reencode_to_fit_keeps_audio(tmp_path: Path) -> None:
    src = _video_with_audio(tmp_path / "av.mp4")
    assert media.probe(src).has_audio
    out = media.reencode_to_fit(src, tmp_path / "av-small.mp4", 700_000)
    assert out is not None
    info = media.probe(out)
    assert info.size_bytes < 700_000 and info.has_audio and abs(info.duration - 3) < 0.1


@settings(max_examples=60, deadline=None)
@given(w=st.integers(16, 4096), h=st.integers(16, 4096), width=st.integers(16, 1920))
def test_output_dimensions_are_even_and_keep_the_aspect(w: int, h: int, width: int) -> None:
    out_w, out_h = media.output_dimensions(f"{w}x{h}", width)
    assert out_w % 2 == 0 and out_h % 2 == 0 and out_w >= 2 and out_h >= 2
    assert abs(out_w - width) <= 1
    assert abs(out_h - out_w * h / w) <= 1 or out_h == 2  # rounding to an even height costs at most 1 px
