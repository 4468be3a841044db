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

import email.utils
import json
import os
import sys
import tempfile

from synthetic import (FFMPEG_BITEXACT, FrameCode, encode, ffmpeg_raw_input, make_background, render_frame,
                       scene_object, vas_event, vas_time_us, write_events)

W, H = 640, 360
SIZE = (W, H)
FPS = 30
CAMERA_ID = "9d3f2b1a-6c4e-4b8a-a1f0-2e7d5c9b3a10"
CREATED_AT = "2026-01-05T11:00:00Z"
PERSON_MODEL = "yolov8-person-detection"
VEHICLE_MODEL = "vehicle-detector-v2"

# Frame-number code: the recording frame index (0.. over all runs) as
# 11 cells, most significant bit first, white = 1, black = 0.
FRAME_CODE = FrameCode(x=16, y=336, cell=16, bits=11)

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


def moving(track_id, label, model_id, size, color, y_range, step):
    """A scene object on make_path's path, seeded with its track id."""
    return scene_object(track_id, label, model_id, size, color, make_path(track_id, size, y_range, step))


OBJECTS = [
    moving(21, "person", PERSON_MODEL, (36, 86), (235, 120, 30), (16, 90), 40),
    moving(22, "person", PERSON_MODEL, (36, 86), (200, 40, 160), (200, 226), 34),
    moving(23, "person", PERSON_MODEL, (36, 86), (40, 175, 70), (110, 140), 48),
    moving(31, "car", VEHICLE_MODEL, (110, 56), (40, 90, 225), (120, 150), 70),
    moving(32, "truck", VEHICLE_MODEL, (110, 56), (225, 190, 30), (20, 60), 55),
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


def encode_run(bg, first, count, workdir):
    """Encodes frames first..first+count as 6 s MPEG-TS segments; returns the files in order."""
    pattern = os.path.join(workdir, "part-%03d.ts")
    cmd = [
        *ffmpeg_raw_input(SIZE, FPS),
        "-an", "-c:v", "libx264", "-preset", "medium", "-crf", "30", "-pix_fmt", "yuv420p",
        # VAS's media: constrained baseline, a keyframe every 30 frames.
        "-profile:v", "baseline", "-level", "3.1", "-g", str(FPS), "-keyint_min", str(FPS), "-sc_threshold", "0",
        *FFMPEG_BITEXACT,
        "-f", "segment", "-segment_time", "6", "-segment_format", "mpegts", "-reset_timestamps", "0",
        pattern,
    ]
    encode(cmd, (render_frame(bg, SIZE, [(TRUTH[o["track_id"]][n], o["color"]) for o in OBJECTS], FRAME_CODE, n)
                 for n in range(first, first + count)))
    return sorted(os.path.join(workdir, f) for f in os.listdir(workdir) if f.startswith("part-"))


def http_date(us):
    """Last-Modified as an HTTP server sends a file's mtime: whole seconds, truncated."""
    return email.utils.formatdate(us // 1_000_000, usegmt=True)


def write_segments_and_playlist():
    bg = make_background(SIZE)
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
                    "true_start": vas_time_us(true_start),
                    "last_modified": http_date(true_end + LAST_MODIFIED_LATENCY_US),
                })
                frame += nframes
        listed += len(segs)
    with open(os.path.join(OUT, "playlist.m3u8"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")
    return segments


def make_events():
    def event(model_id, n, detections, confidence):
        return vas_event("vas-overlay-viewer-recording", CAMERA_ID, model_id, n, vas_time_us(TIMES[n]), detections,
                         confidence, {"frame_width": W, "frame_height": H}, CREATED_AT)

    def boxes_of(model_id, n):
        return [(o, TRUTH[o["track_id"]][n]) for o in OBJECTS if o["model_id"] == model_id]

    events = []
    for n in range(FRAMES):
        if n % 6 == 0:
            dets = [{"class_id": 0, "class_name": "person", "confidence": 0.9,
                     "bbox": [round(x1 / W, 6), round(y1 / H, 6), round(x2 / W, 6), round(y2 / H, 6)],
                     "track_id": o["track_id"]}
                    for o, (x1, y1, x2, y2) in boxes_of(PERSON_MODEL, n)]
            events.append(event(PERSON_MODEL, n, {"detections": dets}, 0.9))
        if n % 10 == 0:
            boxes = [{"x": x1, "y": y1, "w": x2 - x1, "h": y2 - y1, "label": o["label"], "score": 0.8,
                      "track_id": o["track_id"], "normalized": False}
                     for o, (x1, y1, x2, y2) in boxes_of(VEHICLE_MODEL, n)]
            events.append(event(VEHICLE_MODEL, n, {"boxes": boxes, "count": len(boxes)}, 0.8))
    events.sort(key=lambda e: e["model_id"])
    events.sort(key=lambda e: TIMES[e["frame_id"]], reverse=True)
    return events


def write_truth(path, segments):
    head = {
        "width": W, "height": H, "fps": FPS, "frames": FRAMES,
        "frame_code": {"x": FRAME_CODE.x, "y": FRAME_CODE.y, "cell": FRAME_CODE.cell, "bits": FRAME_CODE.bits,
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
