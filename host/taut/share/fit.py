"""A logged session as a FIT activity file (sport training, sub-sport strength training).

One `set` message per active set and per rest between sets, with repetitions, duration, start
time and exercise category; developer fields carry what FIT has no field for (TUT, tempo,
partial and good reps, tempo adherence, mean and peak tension). The mapping is docs/export.md.
Written with `fit-tool` (the `fit` extra); read back by Garmin's own decoder in the tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from taut.records import RepSet
from taut.signal.tempo import tempo_summary

# FIT's exercise_category (profile type) and the closest exercise name of that category.
# Classic categories, which every Garmin strength device and Garmin Connect know; the newer
# `banded_exercises` category would fit better but older devices show it as unknown.
EXERCISE_CATEGORY: dict[str, tuple[int, int | None, str]] = {
    # taut exercise: (category, category_subtype or None, "category/name" for the docs)
    "face-pull": (23, 39, "row / banded_face_pulls"),
    "row": (23, 36, "row / row"),
    "reverse-fly": (9, 6, "flye / single_arm_standing_cable_reverse_flye"),
    "band-pull-apart": (9, None, "flye / (no pull-apart name in the flye category)"),
    "straight-arm-pulldown": (21, 20, "pull_up / straight_arm_pulldown"),
}
UNKNOWN_CATEGORY = 65534  # FIT's exercise_category "unknown"

SPORT_TRAINING = 10
SUB_SPORT_STRENGTH_TRAINING = 20
MANUFACTURER_DEVELOPMENT = 255
TAUT_APPLICATION_ID = uuid.UUID("6f1c2a3e-7461-7574-8000-544155540001").bytes  # fixed: identifies Taut
APPLICATION_VERSION = 1


@dataclass(frozen=True, slots=True)
class DevField:
    """One developer field on active `set` messages."""

    number: int
    name: str
    base_type: str  # "float64", "uint16" or "string"
    units: str
    size: int = 0  # strings: bytes including the terminating NUL


DEV_FIELDS = (
    DevField(0, "tut_s", "float64", "s"),
    DevField(1, "partial_reps", "uint16", "reps"),
    DevField(2, "good_reps", "uint16", "reps"),
    DevField(3, "peak_tension_n", "float64", "N"),
    DevField(4, "mean_tension_n", "float64", "N"),
    DevField(5, "tempo", "string", "", 24),
    DevField(6, "target_tempo", "string", "", 24),
    DevField(7, "tempo_adherence", "float64", "fraction"),
    DevField(8, "impulse_ns", "float64", "N*s"),
)
FIT_SET_MESG_NUM = 225


@dataclass(frozen=True, slots=True)
class FitSet:
    """What one active set contributes to the file (all values as the log holds them)."""

    set_index: int
    exercise: str | None
    start_unix_s: float
    end_unix_s: float
    repetitions: int
    values: dict  # DevField.name -> value (None: left out)


def set_values(rep_set: RepSet, target: object | None, adherent: int | None) -> dict:
    """The developer-field values of a set, from its reps (the log's own figures)."""
    reps = rep_set.reps
    tut = sum(r.tut_s for r in reps)
    impulse = sum(r.impulse_ns for r in reps)
    summary = tempo_summary(reps, np.array([r.range_fraction for r in reps]))
    return {
        "tut_s": tut,
        "partial_reps": sum(1 for r in reps if r.partial),
        "good_reps": sum(1 for r in reps if not r.partial),
        "peak_tension_n": max(r.peak_n for r in reps),
        "mean_tension_n": impulse / tut if tut > 0 else None,
        "tempo": str(summary.tempo),
        "target_tempo": None if target is None else str(target),
        "tempo_adherence": None if adherent is None else adherent / len(reps),
        "impulse_ns": impulse,
    }


def fit_sets(
    sets: Sequence[RepSet],
    started_unix_s: float,
    time_origin_s: float,
    targets: Mapping[str, object],
    adherent_counts: Mapping[int, int],
    default_exercise: str | None = None,
) -> list[FitSet]:
    """The session's sets that have reps, in wall-clock time; `adherent_counts` maps a set index
    to its reps on target tempo (taut.store.progress's rule)."""
    out = []
    for s in sets:
        if not s.reps:
            continue
        ex = s.exercise or default_exercise
        target = targets.get(ex) if ex else None
        out.append(
            FitSet(
                s.index, ex, started_unix_s + s.start_s - time_origin_s, started_unix_s + s.end_s - time_origin_s,
                len(s.reps), set_values(s, target, adherent_counts.get(s.index) if target is not None else None),
            )
        )  # fmt: skip
    return out


def _ms(unix_s: float) -> int:
    return int(round(unix_s * 1000.0))


def build_fit(fsets: Sequence[FitSet], *, session_start_unix_s: float, session_end_unix_s: float | None, serial: int) -> bytes:
    """The FIT activity file's bytes (header, messages, CRC)."""
    from fit_tool.base_type import BaseType
    from fit_tool.developer_field import DeveloperField
    from fit_tool.fit_file_builder import FitFileBuilder
    from fit_tool.profile.messages.activity_message import ActivityMessage
    from fit_tool.profile.messages.developer_data_id_message import DeveloperDataIdMessage
    from fit_tool.profile.messages.event_message import EventMessage
    from fit_tool.profile.messages.field_description_message import FieldDescriptionMessage
    from fit_tool.profile.messages.file_id_message import FileIdMessage
    from fit_tool.profile.messages.lap_message import LapMessage
    from fit_tool.profile.messages.session_message import SessionMessage
    from fit_tool.profile.messages.set_message import SetMessage
    from fit_tool.profile.profile_type import Activity, Event, EventType, FileType, SetType, Sport, SubSport

    base_types = {"float64": BaseType.FLOAT64, "uint16": BaseType.UINT16, "string": BaseType.STRING}
    start = session_start_unix_s
    last_end = max([f.end_unix_s for f in fsets], default=start)
    end = max(last_end, session_end_unix_s if session_end_unix_s is not None else last_end)

    b = FitFileBuilder(auto_define=True, min_string_size=0)
    m = FileIdMessage()
    m.type = FileType.ACTIVITY
    m.manufacturer = MANUFACTURER_DEVELOPMENT
    m.product = 1
    m.serial_number = serial
    m.time_created = _ms(start)
    b.add(m)

    m = DeveloperDataIdMessage()
    m.developer_data_index = 0
    m.application_id = TAUT_APPLICATION_ID
    m.application_version = APPLICATION_VERSION
    b.add(m)
    for f in DEV_FIELDS:
        m = FieldDescriptionMessage()
        m.developer_data_index = 0
        m.field_definition_number = f.number
        m.fit_base_type_id = base_types[f.base_type].value
        m.field_name = f.name
        if f.units:
            m.units = f.units
        m.native_mesg_num = FIT_SET_MESG_NUM
        b.add(m)

    m = EventMessage()
    m.event = Event.TIMER
    m.event_type = EventType.START
    m.timestamp = _ms(start)
    b.add(m)

    def set_message(msg, start_unix_s: float, end_unix_s: float, set_type, index: int):  # noqa: ANN001, ANN202
        """A `set` message's span, kind (rest or active) and place in the file."""
        msg.timestamp = _ms(end_unix_s)
        msg.start_time = _ms(start_unix_s)
        msg.duration = end_unix_s - start_unix_s
        msg.set_type = set_type
        msg.message_index = index
        return msg

    index = 0
    for i, f in enumerate(fsets):
        if i > 0:
            prev = fsets[i - 1]
            b.add(set_message(SetMessage(local_id=3), prev.end_unix_s, f.start_unix_s, SetType.REST, index))
            index += 1
        dev = []
        for d in DEV_FIELDS:
            value = f.values.get(d.name)
            if value is None:
                continue
            base = base_types[d.base_type]
            if base == BaseType.STRING:  # cut to its size in UTF-8, NUL included, never mid-character
                value = str(value).encode("utf-8")[: d.size - 1].decode("utf-8", "ignore")
            field = DeveloperField(developer_data_index=0, field_id=d.number, name=d.name, base_type=base,
                                   size=d.size if base == BaseType.STRING else base.size, units=d.units)  # fmt: skip
            field.set_value(0, value)
            dev.append(field)
        s = set_message(SetMessage(developer_fields=dev, local_id=4), f.start_unix_s, f.end_unix_s, SetType.ACTIVE, index)
        s.repetitions = f.repetitions
        category, subtype, _ = EXERCISE_CATEGORY.get(f.exercise or "", (UNKNOWN_CATEGORY, None, ""))
        s.category = [category]
        if subtype is not None:
            s.category_subtype = [subtype]
        b.add(s)
        index += 1

    m = EventMessage()
    m.event = Event.TIMER
    m.event_type = EventType.STOP_ALL
    m.timestamp = _ms(end)
    b.add(m)

    def whole_span(msg, event):  # noqa: ANN001, ANN202 (fit_tool's message classes)
        """The one lap and the session: each covers the whole activity, strength training, stopped."""
        msg.message_index = 0
        msg.timestamp = _ms(end)
        msg.start_time = _ms(start)
        msg.total_elapsed_time = end - start
        msg.total_timer_time = end - start
        msg.sport = Sport.TRAINING
        msg.sub_sport = SubSport.STRENGTH_TRAINING
        msg.event = event
        msg.event_type = EventType.STOP
        return msg

    b.add(whole_span(LapMessage(), Event.LAP))
    ses = whole_span(SessionMessage(), Event.SESSION)
    ses.first_lap_index = 0
    ses.num_laps = 1
    b.add(ses)

    act = ActivityMessage()
    act.timestamp = _ms(end)
    act.total_timer_time = end - start
    act.num_sessions = 1
    act.type = Activity.MANUAL
    act.event = Event.ACTIVITY
    act.event_type = EventType.STOP
    b.add(act)
    return b.build().to_bytes()
