"""What the demo generators share: synthetic RGB frames piped to ffmpeg, and VAS events written as VAS lists them.

Imported by make_demo.py (the clip) and make_recording.py (the recording),
which sit in the same directory: Python puts a script's own directory first
on its import path, so `python3 xtask/demo/make_demo.py` finds this module
from any working directory. Python 3.11 standard library only.
"""

import datetime
import json
import os
import subprocess
import sys
import uuid
from collections import namedtuple

# The frame-number code drawn in every frame: `bits` cells of `cell` x `cell`
# px from (x, y) rightwards, most significant bit first, white = 1, black = 0.
FrameCode = namedtuple("FrameCode", "x y cell bits")

# ffmpeg options that make an encode reproducible: single-threaded and
# bitexact, so a rerun with the same ffmpeg gives the same bytes.
FFMPEG_BITEXACT = ["-threads", "1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1"]

_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def scene_object(track_id, label, model_id, size, color, path):
    """One moving object: constant size (w, h) and color, its top-left corner on `path`."""
    return {"track_id": track_id, "label": label, "model_id": model_id, "size": size, "color": color, "path": path}


# ---------------------------------------------------------------------------
# Picture: RGB24, row after row, (width, height) = size
# ---------------------------------------------------------------------------


def make_background(size):
    """Dark slate with a 40 px grid on the left half, a pale sky-to-gray gradient on the right half."""
    width, height = size
    split = width // 2
    dark, grid = (38, 46, 58), (52, 62, 76)
    dark_row = bytearray()
    for x in range(split):
        dark_row += bytes(grid if x % 40 == 0 else dark)
    grid_row = bytes(grid) * split
    rows = []
    for y in range(height):
        f = y / (height - 1)
        bright = bytes((round(196 + 18 * f), 214, round(232 - 20 * f))) * (width - split)
        rows.append((grid_row if y % 40 == 0 else bytes(dark_row)) + bright)
    return b"".join(rows)


def fill_rect(buf, size, box, color):
    """Fills the pixel box [x1, y1, x2, y2] (x2/y2 exclusive), clipped to the picture."""
    width, height = size
    x1, x2 = max(0, box[0]), min(width, box[2])
    y1, y2 = max(0, box[1]), min(height, box[3])
    if x1 >= x2 or y1 >= y2:
        return
    line = bytes(color) * (x2 - x1)
    for y in range(y1, y2):
        off = (y * width + x1) * 3
        buf[off:off + len(line)] = line


def render_frame(background, size, boxes, code, n):
    """Frame n: the background, each (box, color) in order (a None box is absent), then n's frame code."""
    buf = bytearray(background)
    for box, color in boxes:
        if box is not None:
            fill_rect(buf, size, box, color)
    for i in range(code.bits):
        bit = (n >> (code.bits - 1 - i)) & 1
        x = code.x + i * code.cell
        fill_rect(buf, size, (x, code.y, x + code.cell, code.y + code.cell), (255, 255, 255) if bit else (0, 0, 0))
    return bytes(buf)


def ffmpeg_raw_input(size, fps):
    """The start of an ffmpeg command that reads raw RGB24 frames of `size` at `fps` from stdin."""
    width, height = size
    return ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps), "-i", "-"]


def encode(cmd, frames):
    """Runs the ffmpeg command `cmd`, writing each frame (bytes) to its stdin; exits if ffmpeg fails."""
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    try:
        for frame in frames:
            proc.stdin.write(frame)
    finally:
        proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("ffmpeg failed")


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------


def vas_time(t):
    """A UTC datetime as VAS writes it: `Z`, a 6-digit fraction only when it is not zero."""
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += ".%06d" % t.microsecond
    return s + "Z"


def vas_time_us(us):
    """Microseconds since the Unix epoch as VAS writes them (see vas_time)."""
    return vas_time(_EPOCH + datetime.timedelta(microseconds=us))


def vas_event(id_prefix, camera_id, model_id, n, timestamp, detections, confidence, metadata, created_at):
    """An AI event as VAS stores it (fields in VAS's order); its id is a UUID made from id_prefix, model and n."""
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{id_prefix}/{model_id}/{n}")),
        "camera_id": camera_id,
        "model_id": model_id,
        "timestamp": timestamp,
        "frame_id": n,
        "detections": detections,
        "confidence": confidence,
        "event_metadata": metadata,
        "created_at": created_at,
    }


def write_events(path, events):
    """The VAS list envelope with every event, one compact event per line (small, but diffable)."""
    data = {"events": events, "total": len(events), "limit": len(events), "offset": 0}
    lines = ['{"events": [']
    for i, e in enumerate(events):
        lines.append(json.dumps(e, separators=(",", ":")) + ("," if i < len(events) - 1 else ""))
    lines.append(f'], "total": {data["total"]}, "limit": {data["limit"]}, "offset": {data["offset"]}}}')
    text = "\n".join(lines) + "\n"
    if json.loads(text) != data:  # sanity: must round-trip
        sys.exit(f"{path} does not round-trip")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
