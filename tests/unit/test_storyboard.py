"""Storyboard parsing and validation: specific messages for each rule, and property tests over
arbitrary text (never a crash: a clear message or a valid storyboard)."""

from __future__ import annotations

import itertools
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import storyboard as sb
from bot.errors import UserError
from bot.i18n import en, t
from bot.providers.base import Scene
from bot.textcommands import parse_storyboard_args, split_command, split_storyboard


@pytest.mark.parametrize(("text", "expected"), [
    ("0-5: sunrise over the city; 5-10: the street wakes up",
     [(0, 5, "sunrise over the city"), (5, 10, "the street wakes up")]),
    ("0-5: sunrise over the city\n5-10: the street wakes up\n10-15: a tram crosses",  # Telegram: one per line
     [(0, 5, "sunrise over the city"), (5, 10, "the street wakes up"), (10, 15, "a tram crosses")]),
    ("  0 - 4 s : fog\r\n\r\n4s–10s: the sun burns it off ;", [(0, 4, "fog"), (4, 10, "the sun burns it off")]),
    ("[0-5] @mochi wakes up; [5-10] @mochi stretches", [(0, 5, "@mochi wakes up"), (5, 10, "@mochi stretches")]),
    ("0 to 10: one long scene", [(0, 10, "one long scene")]),
    ("0-3. a; 3-6) b; 6-10 c", [(0, 3, "a"), (3, 6, "b"), (6, 10, "c")]),
])
def test_valid_storyboards_parse(text: str, expected: list[tuple[int, int, str]]) -> None:
    assert [(s.start, s.end, s.text) for s in sb.parse(text)] == expected


@pytest.mark.parametrize(("text", "key", "shown"), [
    ("", "storyboard.empty", "e.g. 0-5: sunrise over the city"),
    (" ; \n ;", "storyboard.empty", "one per line or separated by ;"),
    ("a cat on a roof", "storyboard.bad_scene", "Scene 1 (“a cat on a roof”) is not written start-end"),
    ("0-5: a; five to ten: b", "storyboard.bad_scene", "Scene 2"),
    ("0-5:", "storyboard.no_text", "Scene 1 (0-5 s) says nothing"),
    ("2-6: a; 6-10: b", "storyboard.not_from_zero", "The first scene starts at 2 s; a storyboard starts at 0"),
    ("0-5: a; 6-10: b", "storyboard.gap", "gap from 5 s to 6 s between scene 1 and scene 2"),
    ("0-5: a; 4-10: b", "storyboard.overlap", "Scene 2 starts at 4 s, before scene 1 ends at 5 s"),
    ("0-5: a; 5-5: b", "storyboard.backwards", "Scene 2 ends at 5 s, which is not after its start at 5 s"),
    ("0-9: a; 9-10: b", "storyboard.scene_too_short", "Scene 2 (9-10 s) lasts 1 s; each scene needs at least 2 s"),
    (";".join(f"{i * 2}-{i * 2 + 2}: s" for i in range(21)), "storyboard.too_many_scenes", "at most 20"),
])
def test_each_rule_has_its_own_message(text: str, key: str, shown: str) -> None:
    with pytest.raises(UserError) as err:
        sb.parse(text)
    assert err.value.key == key
    assert shown in err.value.render()


@pytest.mark.parametrize(("scenes", "key", "shown"), [
    ("0-10: a; 10-30: b", "storyboard.too_long", "The scenes add up to 30 s, longer than the 25 s"),
    ("0-6: a; 6-12: b", "storyboard.bad_total", "add up to 12 s, but sora-2-2025-12-08 makes videos of 10 s, 15 s"),
])
def test_the_total_must_fit_the_snapshot(scenes: str, key: str, shown: str) -> None:
    with pytest.raises(UserError) as err:
        sb.check_for_snapshot(sb.parse(scenes), snapshot="sora-2-2025-12-08", durations=[10, 15, 20, 25])
    assert err.value.key == key and shown in err.value.render()
    sb.check_for_snapshot(sb.parse("0-10: a; 10-25: b"), snapshot="x", durations=[10, 15, 20, 25])


def test_text_commands_route_storyboards() -> None:
    console = split_command("/sora storyboard 0-5: a; 5-10: b --size portrait")
    assert console is not None and console.name == "sora"
    board = split_storyboard(console.rest)
    assert board is not None
    args = parse_storyboard_args(board)
    assert args.size == "portrait" and len(sb.parse(args.scenes)) == 2
    telegram = split_command("/sora@my_bot storyboard\n0-5: a\n5-10: b", "my_bot")
    assert telegram is not None and split_storyboard(telegram.rest) == "\n0-5: a\n5-10: b"
    assert split_storyboard("a storyboard of a castle") is None  # an ordinary prompt
    assert split_storyboard("storyboard-style sketch of a castle") is None
    with pytest.raises(UserError, match=r"storyboard\.no_duration"):
        parse_storyboard_args("0-5: a; 5-10: b --duration 10")
    with pytest.raises(UserError, match=r"error\.unknown_option"):
        parse_storyboard_args("0-5: a --speed 2")


def test_every_storyboard_message_renders_with_the_parameters_it_is_given() -> None:
    keys = [k for k in en.MESSAGES if k.startswith("storyboard.")]
    assert len(keys) >= 10
    for text in ["", "x", "0-5:", "3-6: a", "0-5: a; 7-10: b", "0-5: a; 3-10: b", "0-1: a", "5-2: a",
                 ";".join(f"{i}-{i + 2}: s" for i in range(0, 60, 2))]:
        with pytest.raises(UserError) as err:
            sb.parse(text)
        assert_clear(err.value)


def assert_clear(err: UserError) -> None:
    """A catalogue message, fully formatted with its parameters (not the key, not a raw template)."""
    template = en.MESSAGES[err.key]
    message = t("en", err.key, **err.params)
    assert message == template.format(**err.params) and message.strip()


# --- properties --------------------------------------------------------------------------------

SCENE_TEXT = st.text(alphabet=string.ascii_letters + string.digits + " ,.!?'@_-éü日本", min_size=1, max_size=30) \
    .filter(lambda s: s.strip() != "")


@st.composite
def storyboards(draw: st.DrawFn) -> list[Scene]:
    lengths = draw(st.lists(st.integers(min_value=2, max_value=12), min_size=1, max_size=sb.MAX_SCENES))
    scenes, start = [], 0
    for length in lengths:
        text = " ".join(draw(SCENE_TEXT).split())
        scenes.append(Scene(start, start + length, text))
        start += length
    return scenes


@given(st.text(max_size=400))
@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
def test_arbitrary_text_is_a_valid_storyboard_or_a_clear_message(text: str) -> None:
    try:
        scenes = sb.parse(text)
    except UserError as err:
        assert err.key.startswith("storyboard."), err.key
        assert_clear(err)
        return
    assert scenes and scenes[0].start == 0
    for a, b in itertools.pairwise(scenes):
        assert a.end == b.start
    assert all(s.end - s.start >= sb.MIN_SCENE_SECONDS and s.text.strip() for s in scenes)


@given(st.text(alphabet="0123456789-–:;\n .s[]toab@", max_size=120))
@settings(max_examples=400)
def test_scene_shaped_noise_is_a_valid_storyboard_or_a_clear_message(text: str) -> None:
    try:
        scenes = sb.parse(text)
    except UserError as err:
        assert err.key.startswith("storyboard.")
        assert_clear(err)
        return
    assert sb.total_seconds(scenes) == scenes[-1].end


@given(storyboards())
def test_a_rendered_storyboard_reads_back_the_same(scenes: list[Scene]) -> None:
    parsed = sb.parse(sb.render(scenes))
    assert list(parsed) == scenes
    assert sb.total_seconds(parsed) == sum(s.end - s.start for s in scenes)
    # One scene per line (Telegram, a Discord modal) reads the same as ";" (the console).
    assert sb.parse("\n".join(f"{s.start}-{s.end}: {s.text}" for s in scenes)) == parsed


@given(st.text(max_size=200))
@settings(max_examples=200)
def test_the_text_command_layer_never_crashes_on_a_storyboard(text: str) -> None:
    command = split_command("/sora storyboard " + text)
    assert command is not None
    board = split_storyboard(command.rest)
    assert board is not None
    try:
        sb.parse(parse_storyboard_args(board).scenes)
    except UserError as err:
        assert_clear(err)
