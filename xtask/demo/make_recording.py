"""Generate the demo VAS recording (HLS segments as VAS's recorder writes them, events, ground truth).

Run from the repository root:

    python3 xtask/demo/make_recording.py

Writes (deterministic; no randomness):
    static/demo/recording/segment-N.ts       MPEG-TS segments, 640x360, 30 fps, H.264 constrained baseline
    static/demo/recording/playlist.m3u8      the rolling playlist exactly as VAS writes it (EVENT, no
                                             program date-time, a discontinuity before every run,
                                             EXT-X-MEDIA-SEQUENCE = the newest run's start epoch)
    static/demo/recording/recording.json     per segment: number, EXTINF, true start of its first frame,
                                             Last-Modified (for the demo backend's headers)
    static/demo/recording/events.json        the recording's VAS events, stamped with the true frame times
    tests/fixtures/recording-truth.json      every frame's true wall time and every object's box on it

The truth is chosen here, so every mapping method can be scored against it.
Three recording runs with restarts between them, each numbered by the
contract's rule (vas-contract.md section 5):
- a run that starts with an empty playlist numbers its first segment with the
  Unix time (whole seconds) at which the recorder started;
- a run that starts while K entries are listed numbers it start_epoch + K;
- on each restart EXT-X-MEDIA-SEQUENCE becomes the newest run's start epoch.
The first frame of a run reaches the recorder FIRST_FRAME_LATENCY after the
recorder started, and a segment file is last written LAST_MODIFIED_LATENCY
after its last frame's end; Last-Modified has whole-second resolution.

Python 3.11 standard library only, plus the ffmpeg binary on PATH.
"""

import datetime
import email.utils
import json
import os
import subprocess
import sys
import tempfile
import uuid

W, H = 640, 360
FPS = 30
CAMERA_ID = "9d3f2b1a-6c4e-4b8a-a1f0-2e7d5c9b3a10"
CREATED_AT = "2026-01-05T11:00:00Z"
PERSON_MODEL = "yolov8-person-detection"
VEHICLE_MODEL = "vehicle-detector-v2"

# Frame-number code: the recording frame index (0.. over all runs) as
# FRAME_CODE_BITS cells, most significant bit first, white = 1, black = 0.
FRAME_CODE_X = 16
FRAME_CODE_Y = 336
FRAME_CODE_CELL = 16
FRAME_CODE_BITS = 11

FIRST_FRAME_LATENCY_US = 120_000
LAST_MODIFIED_LATENCY_US = 50_000

# (recorder start, microseconds since the epoch; frames per segment).
# Full segments are 6 s (180 frames, a keyframe every 30); each run's last
# segment is short, as when the recorder stops.
RUNS = [
    (1_767_618_000_830_000, [180, 180, 180, 72]),        # 13:00:00.83, 6+6+6+2.4 s
    (1_767_618_437_210_000, [180, 180, 105]),            # 13:07:17.21, 6+6+3.5 s
    (1_767_619_925_640_000, [180, 180, 180, 180, 36]),   # 13:32:05.64, 6+6+6+6+1.2 s
]

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "static", "demo", "recording")
OUT_TRUTH = os.path.join(ROOT, "tests", "fixtures", "recording-truth.json")


def frame_times():
    """True wall time (us) of every recording frame, and each run's first frame index."""
    times, run_first = [], []
    for start_us, segs in RUNS:
        run_first.append(len(times))
        first = start_us + FIRST_FRAME_LATENCY_US
        for i in range(sum(segs)):
            # Round half up to whole microseconds, exact integer arithmetic.
            times.append(first + (2 * i * 1_000_000 + FPS) // (2 * FPS))
    return times, run_first


TIMES, RUN_FIRST = frame_times()
FRAMES = len(TIMES)


# ---------------------------------------------------------------------------
# Objects: constant size, piecewise-linear top-left path with a waypoint every
# WAYPOINT_FRAMES frames, drawn from a small deterministic generator. Paths
# never repeat, so a clock that is off by whole seconds cannot look right.
# ---------------------------------------------------------------------------

WAYPOINT_FRAMES = 30


class Lcg:
    def __init__(self, seed):
        self.s = seed & 0xFFFFFFFF

    def next(self):
        self.s = (1103515245 * self.s + 12345) & 0x7FFFFFFF
        return self.s / 0x7FFFFFFF


def make_path(seed, size, y_range, step):
    """Waypoints (x, y) for every WAYPOINT_FRAMES frames; x bounces across the frame."""
    rng = Lcg(seed)
    w, _ = size
    x = 20 + rng.next() * (W - w - 40)
    direction = 1 if rng.next() < 0.5 else -1
    pts = []
    for _ in range(FRAMES // WAYPOINT_FRAMES + 2):
        y = y_range[0] + rng.next() * (y_range[1] - y_range[0])
        pts.append((x, y))
        x += direction * step * (0.6 + 0.8 * rng.next())
        # Leave a little past the edges (boxes are clipped, not dropped), then turn back.
        if x > W - w * 0.6:
            direction = -1
        if x < -w * 0.4:
            direction = 1
    return pts


OBJECTS = [
    {"track_id": 21, "label": "person", "model_id": PERSON_MODEL, "size": (36, 86), "color": (235, 120, 30),
     "path": make_path(21, (36, 86), (16, 90), 40)},
    {"track_id": 22, "label": "person", "model_id": PERSON_MODEL, "size": (36, 86), "color": (200, 40, 160),
     "path": make_path(22, (36, 86), (200, 226), 34)},
    {"track_id": 23, "label": "person", "model_id": PERSON_MODEL, "size": (36, 86), "color": (40, 175, 70),
     "path": make_path(23, (36, 86), (110, 140), 48)},
    {"track_id": 31, "label": "car", "model_id": VEHICLE_MODEL, "size": (110, 56), "color": (40, 90, 225),
     "path": make_path(31, (110, 56), (120, 150), 70)},
    {"track_id": 32, "label": "truck", "model_id": VEHICLE_MODEL, "size": (110, 56), "color": (225, 190, 30),
     "path": make_path(32, (110, 56), (20, 60), 55)},
]


def round_half_up(v):
    return int(v + 0.5) if v >= 0 else -int(-v + 0.5)


def box_px(obj, n):
    """Pixel box [x1, y1, x2, y2] (x2/y2 exclusive, unclipped) of obj on frame n."""
    k, r = divmod(n, WAYPOINT_FRAMES)
    (x0, y0), (x1, y1) = obj["path"][k], obj["path"][k + 1]
    f = r / WAYPOINT_FRAMES
    x, y = round_half_up(x0 + (x1 - x0) * f), round_half_up(y0 + (y1 - y0) * f)
    w, h = obj["size"]
    return [x, y, x + w, y + h]


TRUTH = {o["track_id"]: [box_px(o, n) for n in range(FRAMES)] for o in OBJECTS}


# ---------------------------------------------------------------------------
# Picture
# ---------------------------------------------------------------------------


def make_background():
    """Dark slate with a grid on the left half, a pale gradient on the right half."""
    split = W // 2
    rows = []
    for y in range(H):
        f = y / (H - 1)
        bright = bytes((round(196 + 18 * f), 214, round(232 - 20 * f))) * (W - split)
        left = bytearray()
        for x in range(split):
            left += bytes((52, 62, 76) if (x % 40 == 0 or y % 40 == 0) else (38, 46, 58))
        rows.append(bytes(left) + bright)
    return b"".join(rows)


def fill_rect(buf, x1, y1, x2, y2, color):
    x1, x2 = max(0, x1), min(W, x2)
    y1, y2 = max(0, y1), min(H, y2)
    if x1 >= x2 or y1 >= y2:
        return
    line = bytes(color) * (x2 - x1)
    for y in range(y1, y2):
        off = (y * W + x1) * 3
        buf[off:off + len(line)] = line


def render_frame(bg, n):
    buf = bytearray(bg)
    for o in OBJECTS:
        b = TRUTH[o["track_id"]][n]
        fill_rect(buf, b[0], b[1], b[2], b[3], o["color"])
    for i in range(FRAME_CODE_BITS):
        bit = (n >> (FRAME_CODE_BITS - 1 - i)) & 1
        x = FRAME_CODE_X + i * FRAME_CODE_CELL
        fill_rect(buf, x, FRAME_CODE_Y, x + FRAME_CODE_CELL, FRAME_CODE_Y + FRAME_CODE_CELL,
                  (255, 255, 255) if bit else (0, 0, 0))
    return bytes(buf)


def encode_run(bg, first, count, workdir):
    """Encodes frames first..first+count as 6 s MPEG-TS segments; returns the files in order."""
    pattern = os.path.join(workdir, "part-%03d.ts")
    cmd = [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{W}x{H}", "-r", str(FPS), "-i", "-",
        "-an", "-c:v", "libx264", "-preset", "medium", "-crf", "30", "-pix_fmt", "yuv420p",
        # VAS's media: constrained baseline, a keyframe every 30 frames.
        "-profile:v", "baseline", "-level", "3.1", "-g", str(FPS), "-keyint_min", str(FPS), "-sc_threshold", "0",
        "-threads", "1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1",
        "-f", "segment", "-segment_time", "6", "-segment_format", "mpegts", "-reset_timestamps", "0",
        pattern,
    ]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    try:
        for n in range(first, first + count):
            proc.stdin.write(render_frame(bg, n))
    finally:
        proc.stdin.close()
    if proc.wait() != 0:
        sys.exit("ffmpeg failed")
    return sorted(os.path.join(workdir, f) for f in os.listdir(workdir) if f.startswith("part-"))


def http_date(us):
    """Last-Modified as an HTTP server sends a file's mtime: whole seconds, truncated."""
    return email.utils.formatdate(us // 1_000_000, usegmt=True)


def rfc3339(us):
    t = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=us)
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += ".%06d" % t.microsecond
    return s + "Z"


def write_segments_and_playlist():
    bg = make_background()
    for f in os.listdir(OUT) if os.path.isdir(OUT) else []:
        if f.startswith("segment-") and f.endswith(".ts"):
            os.remove(os.path.join(OUT, f))
    os.makedirs(OUT, exist_ok=True)
    lines = ["#EXTM3U", "#EXT-X-VERSION:3", "#EXT-X-TARGETDURATION:6",
             f"#EXT-X-MEDIA-SEQUENCE:{RUNS[-1][0] // 1_000_000}", "#EXT-X-PLAYLIST-TYPE:EVENT"]
    segments = []
    listed = 0
    for r, (start_us, segs) in enumerate(RUNS):
        first_number = start_us // 1_000_000 + listed
        frame = RUN_FIRST[r]
        with tempfile.TemporaryDirectory() as work:
            parts = encode_run(bg, frame, sum(segs), work)
            if len(parts) != len(segs):
                sys.exit(f"run {r}: ffmpeg cut {len(parts)} segments, expected {len(segs)}")
            lines.append("#EXT-X-DISCONTINUITY")
            for i, (part, nframes) in enumerate(zip(parts, segs)):
                number = first_number + i
                name = f"segment-{number}.ts"
                os.replace(part, os.path.join(OUT, name))
                true_start = TIMES[frame]
                true_end = true_start + (2 * nframes * 1_000_000 + FPS) // (2 * FPS)
                lines.append(f"#EXTINF:{nframes / FPS:.6f},")
                lines.append(name)
                segments.append({
                    "number": number, "file": name, "run": r, "extinf": round(nframes / FPS, 6),
                    "first_frame": frame, "frames": nframes,
                    "true_start": rfc3339(true_start),
                    "last_modified": http_date(true_end + LAST_MODIFIED_LATENCY_US),
                })
                frame += nframes
        listed += len(segs)
    with open(os.path.join(OUT, "playlist.m3u8"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    return segments


def make_events():
    events = []
    for n in range(FRAMES):
        ts = rfc3339(TIMES[n])
        if n % 6 == 0:
            dets = []
            for o in OBJECTS:
                if o["model_id"] != PERSON_MODEL:
                    continue
                x1, y1, x2, y2 = TRUTH[o["track_id"]][n]
                dets.append({"class_id": 0, "class_name": "person", "confidence": 0.9,
                             "bbox": [round(x1 / W, 6), round(y1 / H, 6), round(x2 / W, 6), round(y2 / H, 6)],
                             "track_id": o["track_id"]})
            events.append({
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"vas-overlay-viewer-recording/{PERSON_MODEL}/{n}")),
                "camera_id": CAMERA_ID, "model_id": PERSON_MODEL, "timestamp": ts, "frame_id": n,
                "detections": {"detections": dets}, "confidence": 0.9,
                "event_metadata": {"frame_width": W, "frame_height": H}, "created_at": CREATED_AT,
            })
        if n % 10 == 0:
            boxes = []
            for o in OBJECTS:
                if o["model_id"] != VEHICLE_MODEL:
                    continue
                x1, y1, x2, y2 = TRUTH[o["track_id"]][n]
                boxes.append({"x": x1, "y": y1, "w": x2 - x1, "h": y2 - y1, "label": o["label"], "score": 0.8,
                              "track_id": o["track_id"], "normalized": False})
            events.append({
                "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"vas-overlay-viewer-recording/{VEHICLE_MODEL}/{n}")),
                "camera_id": CAMERA_ID, "model_id": VEHICLE_MODEL, "timestamp": ts, "frame_id": n,
                "detections": {"boxes": boxes, "count": len(boxes)}, "confidence": 0.8,
                "event_metadata": {"frame_width": W, "frame_height": H}, "created_at": CREATED_AT,
            })
    events.sort(key=lambda e: e["model_id"])
    events.sort(key=lambda e: TIMES[e["frame_id"]], reverse=True)
    return events


def write_events(path, events):
    lines = ['{"events": [']
    for i, e in enumerate(events):
        lines.append(json.dumps(e, separators=(",", ":")) + ("," if i < len(events) - 1 else ""))
    lines.append(f'], "total": {len(events)}, "limit": {len(events)}, "offset": 0}}')
    text = "\n".join(lines) + "\n"
    json.loads(text)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def write_truth(path, segments):
    head = {
        "width": W, "height": H, "fps": FPS, "frames": FRAMES,
        "frame_code": {"x": FRAME_CODE_X, "y": FRAME_CODE_Y, "cell": FRAME_CODE_CELL, "bits": FRAME_CODE_BITS,
                       "order": "msb-first"},
        "runs": [{"first_frame": RUN_FIRST[r], "frames": sum(s), "recorder_start_us": start}
                 for r, (start, s) in enumerate(RUNS)],
        "segments": segments,
    }
    lines = ["{"]
    for k, v in head.items():
        lines.append(f" {json.dumps(k)}: {json.dumps(v)},")
    lines.append(f' "frame_times_us": {json.dumps(TIMES)},')
    lines.append(' "objects": [')
    for i, o in enumerate(OBJECTS):
        lines.append("  {" + f'"model_id": {json.dumps(o["model_id"])}, "track_id": {o["track_id"]}, '
                     f'"label": {json.dumps(o["label"])},')
        lines.append('   "boxes_px": ' + json.dumps(TRUTH[o["track_id"]], separators=(",", ":")))
        lines.append("  }" + ("," if i < len(OBJECTS) - 1 else ""))
    lines.append(" ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main():
    segments = write_segments_and_playlist()
    with open(os.path.join(OUT, "recording.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump({"camera_id": CAMERA_ID, "segments": segments}, f, indent=1)
        f.write("\n")
    write_events(os.path.join(OUT, "events.json"), make_events())
    write_truth(OUT_TRUTH, segments)
    print("wrote", os.path.relpath(OUT, ROOT), "and", os.path.relpath(OUT_TRUTH, ROOT))


if __name__ == "__main__":
    main()
