"""Video utilities on PyAV and Pillow.

Every function here is synchronous and CPU-bound: callers on the event loop run them in a
worker thread (``await asyncio.to_thread(render_video, ...)``). Nothing here ever holds a
whole video in memory: frames are produced or decoded one at a time and streamed into the
encoder.

- :func:`render_video` draws a small H.264 MP4 of an exact duration (the simulator's output).
- :func:`render_thumbnail`, :func:`extract_thumbnail` and :func:`extract_spritesheet` make JPEGs.
- :func:`probe` reads a file's duration, dimensions and codec, or raises :class:`MediaError`.
- :func:`reencode_to_fit` shrinks a video under an upload limit while keeping its duration.
- :func:`render_noise_video` makes a deliberately incompressible video of a chosen bitrate, for
  tests of oversized uploads.
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import av
import av.error
from av.audio.stream import AudioStream
from av.video.frame import VideoFrame
from av.video.stream import VideoStream
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "SIZES",
    "MediaError",
    "MediaInfo",
    "extract_spritesheet",
    "extract_thumbnail",
    "output_dimensions",
    "parse_size",
    "probe",
    "reencode_to_fit",
    "render_noise_video",
    "render_thumbnail",
    "render_video",
]

#: The frame sizes the video APIs accept, as "WIDTHxHEIGHT".
SIZES: tuple[str, ...] = ("1280x720", "720x1280", "1024x1792", "1792x1024")

_IMAGE_FORMATS = ("image2", "_pipe", "gif", "apng", "webp")
# FFmpeg will "play" a text file as ANSI art; none of these are videos a person would send
_TEXT_FORMATS = ("tty", "bin", "xbin", "idf", "adf", "srt", "ass", "webvtt", "subviewer")
_TEXT_CODECS = ("ansi", "bintext", "xbin", "idf")
_MP4_FORMATS = ("mov", "mp4")


class MediaError(Exception):
    """A file could not be read or written as a video. The message is safe to show a user."""


@dataclass(frozen=True, slots=True)
class MediaInfo:
    duration: float  # seconds
    width: int
    height: int
    codec: str  # the video codec ("h264", …), or "" when there is no video stream
    size_bytes: int
    has_video: bool
    has_audio: bool = False
    fps: float = 0.0
    format: str = ""  # the container format name(s) as FFmpeg reports them ("mov,mp4,m4a,3gp,3g2,mj2")


# --------------------------------------------------------------------------------------------
# sizes and text


def parse_size(size: str) -> tuple[int, int]:
    """``"1280x720"`` → ``(1280, 720)``; raises ValueError on anything else."""
    try:
        w_text, h_text = size.lower().split("x")
        w, h = int(w_text), int(h_text)
    except ValueError:
        raise ValueError(f"size must look like 1280x720, not {size!r}") from None
    if w <= 0 or h <= 0:
        raise ValueError(f"size must be positive, not {size!r}")
    return w, h


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def output_dimensions(size: str, width: int) -> tuple[int, int]:
    """The frame size for ``size``'s aspect ratio scaled to ``width`` (both even, as yuv420p needs)."""
    w, h = parse_size(size)
    out_w = _even(width)
    return out_w, _even(out_w * h / w)


@lru_cache(maxsize=16)
def _font(px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=px)
    except (ImportError, OSError, TypeError):  # Pillow without FreeType: the small bitmap font
        return ImageFont.load_default()


def _text_width(font: ImageFont.FreeTypeFont | ImageFont.ImageFont, text: str) -> float:
    return float(font.getlength(text))


def _wrap(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont, max_width: float,
          max_lines: int) -> list[str]:
    """Greedy word wrap to ``max_width`` pixels; long words are cut; an ellipsis marks overflow."""
    words = " ".join(text.split()).split(" ") if text.strip() else []
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if _text_width(font, candidate) <= max_width:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
        while _text_width(font, current) > max_width and len(current) > 1:  # a word wider than a line
            cut = len(current)
            while cut > 1 and _text_width(font, current[:cut]) > max_width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and _text_width(font, last + "…") > max_width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def _palette(text: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """A dark background and a bright accent derived from the text, so different prompts look different."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    background = (20 + digest[0] % 50, 20 + digest[1] % 50, 40 + digest[2] % 60)
    accent = (150 + digest[3] % 106, 110 + digest[4] % 120, 90 + digest[5] % 140)
    return background, accent


@dataclass(frozen=True, slots=True)
class _Layout:
    width: int
    height: int
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont
    small: ImageFont.FreeTypeFont | ImageFont.ImageFont
    margin: int
    line_height: int
    bar_height: int


def _layout(width: int, height: int) -> _Layout:
    short = min(width, height)
    px = max(9, short // 12)
    return _Layout(width=width, height=height, font=_font(px), small=_font(max(8, px * 3 // 4)),
                   margin=max(4, short // 20), line_height=int(px * 1.25), bar_height=max(3, short // 40))


def _base_frame(layout: _Layout, text: str, header: str) -> Image.Image:
    """The still part of a frame: background, header line and the wrapped text."""
    background, accent = _palette(text)
    image = Image.new("RGB", (layout.width, layout.height), background)
    draw = ImageDraw.Draw(image)
    m = layout.margin
    draw.text((m, m), header, fill=accent, font=layout.small)
    top = m + layout.line_height + m // 2
    bottom_reserved = layout.line_height + layout.bar_height + 2 * m
    max_lines = max(1, (layout.height - top - bottom_reserved) // layout.line_height)
    for i, line in enumerate(_wrap(text, layout.font, layout.width - 2 * m, max_lines)):
        draw.text((m, top + i * layout.line_height), line, fill=(240, 240, 240), font=layout.font)
    return image


def _draw_progress(image: Image.Image, layout: _Layout, text: str, elapsed: float, total: float,
                   fraction: float) -> None:
    """The moving part: a timestamp, a progress bar and a dot that travels along it."""
    _, accent = _palette(text)
    draw = ImageDraw.Draw(image)
    m = layout.margin
    w, h = layout.width, layout.height
    bar_top = h - m - layout.bar_height
    draw.rectangle((m, bar_top, w - m, bar_top + layout.bar_height), fill=(60, 60, 70))
    end = m + int((w - 2 * m) * max(0.0, min(1.0, fraction)))
    draw.rectangle((m, bar_top, end, bar_top + layout.bar_height), fill=accent)
    r = layout.bar_height
    draw.ellipse((end - r, bar_top - r // 2, end + r, bar_top + layout.bar_height + r // 2), fill=(255, 255, 255))
    stamp = f"{elapsed:05.2f}s / {total:g}s"
    draw.text((m, bar_top - layout.line_height), stamp, fill=(255, 230, 120), font=layout.small)


# --------------------------------------------------------------------------------------------
# rendering


def _open_output(dest: Path) -> av.container.OutputContainer:
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        return av.open(str(dest), mode="w", format="mp4", options={"movflags": "+faststart"})
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"cannot write {dest.name}: {exc}") from exc


def _add_h264(container: av.container.OutputContainer, width: int, height: int, fps: int | Fraction,
              options: dict[str, str], bit_rate: int | None = None) -> VideoStream:
    stream = container.add_stream("libx264", rate=fps, options=options)
    stream.width = width
    stream.height = height
    stream.pix_fmt = "yuv420p"
    rate = Fraction(fps)
    stream.codec_context.time_base = Fraction(rate.denominator, rate.numerator)
    if bit_rate is not None:
        stream.bit_rate = bit_rate
    return stream


def render_video(dest: Path, *, text: str, seconds: int, size: str = "1280x720", width: int = 320,
                 fps: int = 12, scenes: Sequence[tuple[float, float, str]] | None = None,
                 header: str = "sorabot simulator") -> Path:
    """Render an H.264/yuv420p MP4 exactly ``seconds`` long showing ``text`` and a progress marker.

    ``size`` gives the aspect ratio; the frames are scaled so their width is ``width``.
    ``scenes`` (start, end, text) shows each scene's text during its time span instead of ``text``.
    """
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    if fps <= 0:
        raise ValueError("fps must be positive")
    out_w, out_h = output_dimensions(size, width)
    layout = _layout(out_w, out_h)
    total_frames = round(seconds * fps)
    time_base = Fraction(1, fps)
    bases: dict[int, Image.Image] = {}

    def frame_text(t: float) -> tuple[int, str, str]:
        if scenes:
            for index, (start, end, scene_text) in enumerate(scenes):
                if start <= t < end or index == len(scenes) - 1:
                    return index, scene_text, f"{header} · scene {index + 1}/{len(scenes)}"
        return 0, text, header

    container = _open_output(dest)
    try:
        stream = _add_h264(container, out_w, out_h, fps, {"preset": "ultrafast", "tune": "stillimage"})
        for i in range(total_frames):
            t = i / fps
            key, shown, head = frame_text(t)
            if key not in bases:
                bases[key] = _base_frame(layout, shown, head)
            image = bases[key].copy()
            _draw_progress(image, layout, shown, t, seconds, (i + 1) / total_frames)
            frame = VideoFrame.from_image(image)
            frame.pts = i
            frame.time_base = time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    except BaseException:
        container.close()
        dest.unlink(missing_ok=True)
        raise
    container.close()
    return dest


def render_thumbnail(dest: Path, *, text: str, size: str = "1280x720", width: int = 320,
                     header: str = "sorabot simulator") -> Path:
    """A JPEG still in the same style as :func:`render_video`'s first frame."""
    out_w, out_h = output_dimensions(size, width)
    layout = _layout(out_w, out_h)
    image = _base_frame(layout, text, header)
    _draw_progress(image, layout, text, 0.0, 0, 0.0)
    dest.parent.mkdir(parents=True, exist_ok=True)
    image.save(dest, format="JPEG", quality=85)
    return dest


def _open_input(src: Path) -> av.container.InputContainer:
    if not src.is_file():
        raise MediaError(f"{src.name}: no such file")
    try:
        return av.open(str(src), mode="r")
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise MediaError(f"{src.name} is not a readable video file") from exc


def _first_video_stream(container: av.container.InputContainer, src: Path) -> VideoStream:
    if not container.streams.video:
        raise MediaError(f"{src.name} has no video stream")
    return container.streams.video[0]


def _decode_frames(container: av.container.InputContainer, stream: VideoStream, src: Path) -> Iterator[VideoFrame]:
    try:
        yield from container.decode(stream)
    except av.error.FFmpegError as exc:
        raise MediaError(f"{src.name}: the video data is damaged ({exc})") from exc


def extract_thumbnail(src: Path, dest: Path) -> Path:
    """Save the first frame of ``src`` as a JPEG at ``dest``."""
    with _open_input(src) as container:
        stream = _first_video_stream(container, src)
        for frame in _decode_frames(container, stream, src):
            dest.parent.mkdir(parents=True, exist_ok=True)
            frame.to_image().convert("RGB").save(dest, format="JPEG", quality=85)
            return dest
    raise MediaError(f"{src.name} has no decodable frames")


def extract_spritesheet(src: Path, dest: Path, *, tiles: int = 10, columns: int = 5, tile_width: int = 128) -> Path:
    """A JPEG grid of ``tiles`` frames spread evenly over ``src`` (decoded one at a time)."""
    info = probe(src)
    if not info.has_video:
        raise MediaError(f"{src.name} has no video stream")
    tile_w = _even(tile_width)
    tile_h = _even(tile_w * info.height / max(1, info.width))
    rows = math.ceil(tiles / columns)
    sheet = Image.new("RGB", (tile_w * columns, tile_h * rows), (0, 0, 0))
    wanted = [info.duration * i / tiles for i in range(tiles)]
    placed = 0
    with _open_input(src) as container:
        stream = _first_video_stream(container, src)
        for index, frame in enumerate(_decode_frames(container, stream, src)):
            t = frame.time if frame.time is not None else index / (info.fps or 1)
            while placed < tiles and t + 1e-6 >= wanted[placed]:
                tile = frame.to_image().convert("RGB").resize((tile_w, tile_h))
                sheet.paste(tile, ((placed % columns) * tile_w, (placed // columns) * tile_h))
                placed += 1
            if placed >= tiles:
                break
    if placed == 0:
        raise MediaError(f"{src.name} has no decodable frames")
    dest.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(dest, format="JPEG", quality=80)
    return dest


# --------------------------------------------------------------------------------------------
# probing


def probe(path: Path) -> MediaInfo:
    """Read a media file's facts. Raises :class:`MediaError` when it is not a video (or unreadable)."""
    path = Path(path)
    with _open_input(path) as container:
        fmt = container.format.name or ""
        if any(part.endswith(_IMAGE_FORMATS) or part in _IMAGE_FORMATS for part in fmt.split(",")):
            raise MediaError(f"{path.name} is an image, not a video")
        video = container.streams.video[0] if container.streams.video else None
        if any(part in _TEXT_FORMATS for part in fmt.split(",")) or (
                video is not None and video.codec_context.name in _TEXT_CODECS):
            raise MediaError(f"{path.name} is not a video (it looks like text)")
        has_audio = bool(container.streams.audio)
        if video is None and not has_audio:
            raise MediaError(f"{path.name} is not a video (no video or audio stream)")
        duration = 0.0
        if video is not None and video.duration is not None and video.time_base is not None:
            duration = float(video.duration * video.time_base)
        if duration <= 0 and container.duration is not None:
            duration = container.duration / av.time_base
        fps = 0.0
        if video is not None:
            rate = video.average_rate or video.guessed_rate or video.base_rate
            fps = float(rate) if rate else 0.0
        return MediaInfo(
            duration=duration,
            width=video.codec_context.width if video is not None else 0,
            height=video.codec_context.height if video is not None else 0,
            codec=video.codec_context.name if video is not None else "",
            size_bytes=path.stat().st_size,
            has_video=video is not None,
            has_audio=has_audio,
            fps=fps,
            format=fmt,
        )


# --------------------------------------------------------------------------------------------
# re-encoding to fit an upload limit


@dataclass(frozen=True, slots=True)
class _Plan:
    width: int
    height: int
    fps: Fraction
    video_bitrate: int
    audio_bitrate: int  # 0: drop the audio


_MIN_VIDEO_BITRATE = 24_000  # below this nothing watchable comes out
_MIN_BITS_PER_PIXEL = 0.06  # shrink the frame until each pixel gets at least this many bits
_MIN_WIDTH = 128


def _plan(info: MediaInfo, total_bitrate: float, shrink: int) -> _Plan | None:
    if info.has_audio and total_bitrate >= 1_500_000:
        audio = 96_000
    elif info.has_audio and total_bitrate >= 400_000:
        audio = 64_000
    elif info.has_audio and total_bitrate >= 150_000:
        audio = 32_000
    else:
        audio = 0
    video = int(total_bitrate - audio)
    if video < _MIN_VIDEO_BITRATE:
        return None
    src_fps = Fraction(info.fps).limit_denominator(1001) if info.fps > 0 else Fraction(24)
    fps = min(src_fps, Fraction(30))
    if shrink >= 2 and fps > 15:
        fps = Fraction(15)
    if shrink >= 3 and fps > 10:
        fps = Fraction(10)
    aspect = info.height / max(1, info.width)
    width = info.width - info.width % 2
    # the widest frame that still gets enough bits per pixel, never wider than the source
    affordable = math.sqrt(video / (float(fps) * _MIN_BITS_PER_PIXEL * max(aspect, 1e-3)))
    width = min(width, int(affordable))
    width = int(width * (0.85 ** shrink))
    width = max(min(_MIN_WIDTH, info.width), width)
    height = _even(width * aspect)
    return _Plan(width=_even(width), height=height, fps=fps, video_bitrate=video, audio_bitrate=audio)


def _encode_plan(src: Path, dest: Path, info: MediaInfo, plan: _Plan) -> None:
    """One streaming decode → scale/resample → encode pass."""
    with _open_input(src) as inp:
        vin = _first_video_stream(inp, src)
        ain = inp.streams.audio[0] if (plan.audio_bitrate and inp.streams.audio) else None
        out = _open_output(dest)
        try:
            rate = plan.video_bitrate
            vout = _add_h264(out, plan.width, plan.height, plan.fps,
                             {"preset": "veryfast", "maxrate": str(rate), "bufsize": str(rate),
                              "x264-params": "nal-hrd=vbr"}, bit_rate=rate)
            aout: AudioStream | None = None
            if ain is not None:
                aout = out.add_stream("aac", rate=ain.codec_context.sample_rate or 44100)
                aout.bit_rate = plan.audio_bitrate
            fps = plan.fps
            out_tb = Fraction(fps.denominator, fps.numerator)
            total_slots = max(1, round(info.duration * fps))
            slot = 0
            pending: VideoFrame | None = None  # the latest source frame, already scaled

            def emit(frame: VideoFrame) -> None:
                nonlocal slot
                frame.pts = slot
                frame.time_base = out_tb
                out.mux(vout.encode(frame))
                slot += 1

            streams = [vin] if ain is None else [vin, ain]
            index = 0
            try:
                for packet in inp.demux(streams):
                    if packet.stream.type == "audio":
                        assert aout is not None
                        for aframe in packet.decode():
                            aframe.pts = None
                            out.mux(aout.encode(aframe))
                        continue
                    for frame in packet.decode():
                        t = frame.time if frame.time is not None else index / max(info.fps, 1.0)
                        index += 1
                        # every output slot that starts before this frame shows the previous one
                        while pending is not None and slot < total_slots and slot / fps < t - 1e-6:
                            emit(pending)
                        if slot >= total_slots:
                            continue
                        pending = frame.reformat(width=plan.width, height=plan.height, format="yuv420p",
                                                 interpolation="AREA")
            except av.error.FFmpegError as exc:
                raise MediaError(f"{src.name}: the video data is damaged ({exc})") from exc
            if pending is None:
                raise MediaError(f"{src.name} has no decodable frames")
            while slot < total_slots:
                emit(pending)
            out.mux(vout.encode(None))
            if aout is not None:
                out.mux(aout.encode(None))
        except BaseException:
            out.close()
            dest.unlink(missing_ok=True)
            raise
        out.close()


def reencode_to_fit(src: Path, dest: Path, max_bytes: int, *, attempts: int = 4) -> Path | None:
    """Re-encode ``src`` as an H.264 MP4 strictly smaller than ``max_bytes`` with the same duration.

    The bitrate comes from the duration and the byte budget (with a margin for the container);
    each further attempt lowers the bitrate, the frame size and the frame rate. Returns ``dest``,
    or ``None`` (and no file at ``dest``) when the video cannot fit. Frames are streamed.
    """
    src, dest = Path(src), Path(dest)
    info = probe(src)
    if not info.has_video:
        raise MediaError(f"{src.name} has no video stream")
    if info.duration <= 0:
        raise MediaError(f"{src.name} has no duration")
    if (info.size_bytes < max_bytes and info.codec == "h264"
            and any(part in _MP4_FORMATS for part in info.format.split(","))):
        if src.resolve() != dest.resolve():
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
        return dest
    src_fps = info.fps if info.fps > 0 else 24.0
    margin = 0.90
    tmp = dest.with_name(dest.name + ".part")
    for attempt in range(attempts):
        frames = info.duration * min(src_fps, 30.0)
        overhead_bytes = 4_096 + 40 * frames  # headers plus per-sample tables
        total_bitrate = (max_bytes * margin - overhead_bytes) * 8 / info.duration
        plan = _plan(info, total_bitrate, attempt)
        if plan is None:
            break
        _encode_plan(src, tmp, info, plan)
        size = tmp.stat().st_size
        if size < max_bytes:
            os.replace(tmp, dest)
            return dest
        # overshot: aim proportionally lower next time
        margin *= min(0.9, max_bytes / size * 0.92)
    tmp.unlink(missing_ok=True)
    return None


# --------------------------------------------------------------------------------------------
# test material


def render_noise_video(dest: Path, *, seconds: float, width: int = 320, height: int = 240, fps: int = 24,
                       bitrate: int = 6_000_000) -> Path:
    """A hard-to-compress H.264 MP4 of random noise, about ``bitrate * seconds / 8`` bytes.

    For tests that need an oversized upload: choose ``bitrate`` (bits per second) for the size.
    """
    w, h = _even(width), _even(height)
    total_frames = max(1, round(seconds * fps))
    rate = str(int(bitrate))
    container = _open_output(dest)
    try:
        stream = _add_h264(container, w, h, fps,
                           {"preset": "ultrafast", "maxrate": rate, "minrate": rate, "bufsize": rate,
                            "x264-params": "nal-hrd=cbr"}, bit_rate=int(bitrate))
        luma, chroma = w * h, (w // 2) * (h // 2)
        time_base = Fraction(1, fps)
        for i in range(total_frames):
            frame = VideoFrame(w, h, "yuv420p")
            for plane, size in zip(frame.planes, (luma, chroma, chroma), strict=True):
                if plane.line_size == plane.width:
                    plane.update(os.urandom(size))
                else:  # padded rows: write row by row into a padded buffer
                    rows = size // plane.width
                    buf = bytearray(plane.line_size * rows)
                    noise = os.urandom(size)
                    for r in range(rows):
                        buf[r * plane.line_size:r * plane.line_size + plane.width] = \
                            noise[r * plane.width:(r + 1) * plane.width]
                    plane.update(bytes(buf))
            frame.pts = i
            frame.time_base = time_base
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    except BaseException:
        container.close()
        dest.unlink(missing_ok=True)
        raise
    container.close()
    return dest
