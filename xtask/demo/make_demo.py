"""Generate the bundled demo data (synthetic clip, VAS events, camera, ground truth) for vas-overlay-viewer.

Run from the repository root:

    python3 xtask/demo/make_demo.py

Writes (deterministic; no randomness):
    static/demo/clip.mp4            1280x720, 30 fps, 300 frames, H.264 (ffmpeg/libx264)
    static/demo/events.json         every event of the clip, VAS list envelope, newest first
    static/demo/camera.json         VAS device object + clip start time + clip file name
    tests/fixtures/demo-truth.json  per-frame ground-truth pixel boxes for browser tests

Python 3.11 standard library only, plus the ffmpeg binary on PATH.
"""

import datetime
import json
import math
import os

from synthetic import (FFMPEG_BITEXACT, FrameCode, encode, ffmpeg_raw_input, make_background, render_frame,
                       scene_object, vas_event, vas_time, write_events)

# ---------------------------------------------------------------------------
# Constants
# ---------------------------------------------------------------------------

W, H = 1280, 720
SIZE = (W, H)
FPS = 30
FRAMES = 300  # 10 s

START = datetime.datetime(2026, 1, 5, 12, 0, 0, tzinfo=datetime.timezone.utc)
CREATED_AT = "2026-01-05T11:00:00Z"  # VAS's frozen column default: the same on every row
CAMERA_ID = "9d3f2b1a-6c4e-4b8a-a1f0-2e7d5c9b3a10"

PERSON_MODEL = "yolov8-person-detection"
VEHICLE_MODEL = "vehicle-detector-v2"

# The left half of the picture is dark, the right half bright (synthetic.make_background).

# Frame-number code drawn in every frame (bottom-left corner, on the dark
# side, where no object ever goes): 9 cells (0..511 >= 300 frames) of 16 x 16
# px, most significant bit first, white = 1, black = 0. Cells are aligned to
# the 16 px macroblock grid so they survive compression. A browser test can
# read the frame number shown by sampling the centre of each cell.
FRAME_CODE = FrameCode(x=16, y=688, cell=16, bits=9)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DEMO = os.path.join(ROOT, "static", "demo")
OUT_TRUTH = os.path.join(ROOT, "tests", "fixtures", "demo-truth.json")

# ---------------------------------------------------------------------------
# Objects: constant size, piecewise-linear top-left path with waypoints at
# whole seconds. "path" maps second -> (x, y) of the top-left corner in
# analysed-frame pixels. An object is present exactly on the frames n with
# first_second * FPS <= n <= last_second * FPS.
# ---------------------------------------------------------------------------

PERSON_SIZE, VEHICLE_SIZE = (70, 170), (220, 110)


def waypoints(first_second, points):
    """A path with one waypoint per whole second, from first_second on."""
    return {first_second + i: p for i, p in enumerate(points)}


OBJECTS = [
    # Walks along the top lane from the dark side into the bright side.
    scene_object(1, "person", PERSON_MODEL, PERSON_SIZE, (235, 120, 30),
                 waypoints(0, [(90.0 + 93.5 * t, 60.0 + (0.0, 6.5, 12.0, 6.5)[t % 4]) for t in range(11)])),
    # Wanders on the bright side, bottom lane: left, then back right.
    scene_object(2, "person", PERSON_MODEL, PERSON_SIZE, (200, 40, 160), waypoints(0, [
        (1150.0, 500.0), (1082.5, 495.0), (995.0, 503.5), (910.0, 500.0), (835.5, 497.0), (770.0, 505.0),
        (805.0, 500.0), (880.5, 496.0), (960.0, 503.0), (1055.0, 500.0), (1140.0, 498.0)])),
    # Only present from t = 2 s to t = 7 s (frames 60..=210), dark side.
    scene_object(3, "person", PERSON_MODEL, PERSON_SIZE, (40, 175, 70), waypoints(2, [
        (120.0, 505.0), (188.5, 500.0), (262.0, 504.0), (330.0, 498.5), (401.5, 503.0), (470.0, 500.0)])),
    # Drives right, leaves the frame partly through the right edge
    # (t = 5.5 .. 7.5 s) and comes back.
    scene_object(11, "car", VEHICLE_MODEL, VEHICLE_SIZE, (40, 90, 225), waypoints(0, [
        (60.0, 250.0), (250.5, 252.0), (445.0, 250.0), (640.0, 248.5), (835.0, 250.0), (1010.0, 252.0),
        (1125.5, 250.0), (1170.0, 249.0), (1040.0, 250.0), (860.0, 251.5), (680.0, 250.0)])),
    # Drives left across the whole frame, middle lane.
    scene_object(12, "truck", VEHICLE_MODEL, VEHICLE_SIZE, (225, 190, 30),
                 waypoints(0, [(1010.0 - 97.0 * t, 375.0 + (0.0, 2.0, 0.0, -2.0)[t % 4]) for t in range(11)])),
]


def round_half_up(v):
    return int(math.floor(v + 0.5))


def position(obj, n):
    """Exact (float) top-left corner of obj at frame n, or None when absent."""
    secs = sorted(obj["path"])
    first, last = secs[0], secs[-1]
    if n < first * FPS or n > last * FPS:
        return None
    t0 = n // FPS
    if t0 >= last:
        return obj["path"][last]
    frac = (n - t0 * FPS) / FPS
    x0, y0 = obj["path"][t0]
    x1, y1 = obj["path"][t0 + 1]
    return (x0 + (x1 - x0) * frac, y0 + (y1 - y0) * frac)


def box_px(obj, n):
    """Rounded pixel box [x1, y1, x2, y2] (x2/y2 exclusive, unclipped) or None."""
    p = position(obj, n)
    if p is None:
        return None
    w, h = obj["size"]
    x1, y1 = round_half_up(p[0]), round_half_up(p[1])
    return [x1, y1, x1 + w, y1 + h]


# Per-object, per-frame truth: computed once, used for drawing, events and truth file.
TRUTH = {obj["track_id"]: [box_px(obj, n) for n in range(FRAMES)] for obj in OBJECTS}

# ---------------------------------------------------------------------------
# Picture
# ---------------------------------------------------------------------------


def write_clip(path):
    cmd = [
        *ffmpeg_raw_input(SIZE, FPS),
        "-an", "-c:v", "libx264", "-preset", "medium", "-crf", "20",
        "-pix_fmt", "yuv420p", "-profile:v", "high", "-g", str(FPS),
        *FFMPEG_BITEXACT,
        "-movflags", "+faststart",
        path,
    ]
    bg = make_background(SIZE)
    encode(cmd, (render_frame(bg, SIZE, [(TRUTH[o["track_id"]][n], o["color"]) for o in OBJECTS], FRAME_CODE, n)
                 for n in range(FRAMES)))


# ---------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------


def frame_time(n):
    """Wall-clock time of frame n rounded to whole microseconds, VAS format."""
    us_num = n * 1_000_000
    us = (2 * us_num + FPS) // (2 * FPS)  # round half up, exact integer arithmetic
    return vas_time(START + datetime.timedelta(microseconds=us))


def smooth_conf(n, phase):
    """Deterministic confidence in 0.60..0.98 varying smoothly with the frame number."""
    v = 0.79 + 0.19 * math.sin(2 * math.pi * n / 240.0 + phase)
    return round(min(0.98, max(0.60, v)), 3)


def r6(v):
    return round(v, 6)


def person_detection(obj, n, b):
    x1, y1, x2, y2 = b
    h = y2 - y1
    tid = obj["track_id"]
    kps = [
        [(x1 + x2) / 2, y1],          # head (top centre)
        [x1, y1 + 0.25 * h],          # left shoulder
        [x2, y1 + 0.25 * h],          # right shoulder
        [x1, y2],                     # left foot
        [x2, y2],                     # right foot
    ]
    scores = [0.9] * 5
    # Some frames mark one keypoint as unseen (score 0); coordinates are kept.
    if (n // FPS) % 3 == 1:
        scores[3 if tid % 2 else 4] = 0.0
    return {
        "class_id": 0,
        "class_name": "person",
        "confidence": smooth_conf(n, tid * 1.3),
        "bbox": [r6(x1 / W), r6(y1 / H), r6(x2 / W), r6(y2 / H)],
        "track_id": tid,
        "keypoints": [[r6(x / W), r6(y / H), s] for (x, y), s in zip(kps, scores)],
    }


def vehicle_box(obj, n, b):
    x1, y1, x2, y2 = b
    return {
        "x": x1, "y": y1, "w": x2 - x1, "h": y2 - y1,
        "label": obj["label"],
        "score": smooth_conf(n, obj["track_id"] * 0.7),
        "track_id": obj["track_id"],
        "normalized": False,
    }


def make_events():
    def event(model_id, n, detections, confidence, metadata):
        return vas_event("vas-overlay-viewer-demo", CAMERA_ID, model_id, n, frame_time(n), detections,
                         confidence, metadata, CREATED_AT)

    def present(model_id, n):
        """(object, box) of every object of the model present on frame n."""
        boxes = [(o, TRUTH[o["track_id"]][n]) for o in OBJECTS if o["model_id"] == model_id]
        return [(o, b) for o, b in boxes if b]

    events = []
    for n in range(FRAMES):
        if n % 3 == 0:
            dets = [person_detection(o, n, b) for o, b in present(PERSON_MODEL, n)]
            confidence = max((d["confidence"] for d in dets), default=None)
            metadata = {"model_version": "8.0.1", "inference_latency_ms": 40.0, "frame_width": W, "frame_height": H}
            events.append(event(PERSON_MODEL, n, {"detections": dets}, confidence, metadata))
        if n % 6 == 0:
            boxes = [vehicle_box(o, n, b) for o, b in present(VEHICLE_MODEL, n)]
            confidence = max((b["score"] for b in boxes), default=None)
            metadata = {"frame_width": W, "frame_height": H}
            events.append(event(VEHICLE_MODEL, n, {"boxes": boxes, "count": len(boxes)}, confidence, metadata))
    # Newest first; ties (same frame) ordered by model_id for determinism.
    events.sort(key=lambda e: e["model_id"])
    events.sort(key=lambda e: e["frame_id"], reverse=True)
    return events


def make_camera():
    return {
        "device": {
            "id": CAMERA_ID,
            "name": "Demo street (synthetic)",
            "description": "Bundled synthetic scene",
            "rtsp_url": "rtsp://demo:secret@127.0.0.1:8554/demo",
            "is_active": True,
            "location": "Demo lot",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        },
        "start": frame_time(0),
        "clip": "clip.mp4",
    }


def make_truth():
    return {
        "width": W,
        "height": H,
        "fps": FPS,
        "frames": FRAMES,
        "start": frame_time(0),
        "frame_code": {
            "x": FRAME_CODE.x, "y": FRAME_CODE.y, "cell": FRAME_CODE.cell,
            "bits": FRAME_CODE.bits, "order": "msb-first",
            "one": [255, 255, 255], "zero": [0, 0, 0],
        },
        "objects": [
            {
                "model_id": o["model_id"],
                "track_id": o["track_id"],
                "label": o["label"],
                "boxes_px": TRUTH[o["track_id"]],
            }
            for o in OBJECTS
        ],
    }


def write_json(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


def write_truth(path, data):
    """Readable truth file: one line per frame box."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    head = {k: v for k, v in data.items() if k != "objects"}
    lines = ["{"]
    for k, v in head.items():
        lines.append(f" {json.dumps(k)}: {json.dumps(v)},")
    lines.append(' "objects": [')
    for i, o in enumerate(data["objects"]):
        lines.append("  {")
        for k in ("model_id", "track_id", "label"):
            lines.append(f"   {json.dumps(k)}: {json.dumps(o[k])},")
        lines.append('   "boxes_px": [')
        boxes = o["boxes_px"]
        for j, b in enumerate(boxes):
            lines.append("    " + json.dumps(b) + ("," if j < len(boxes) - 1 else ""))
        lines.append("   ]")
        lines.append("  }" + ("," if i < len(data["objects"]) - 1 else ""))
    lines.append(" ]")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)  # sanity: must be valid JSON
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


def main():
    os.makedirs(OUT_DEMO, exist_ok=True)
    write_clip(os.path.join(OUT_DEMO, "clip.mp4"))
    write_events(os.path.join(OUT_DEMO, "events.json"), make_events())
    write_json(os.path.join(OUT_DEMO, "camera.json"), make_camera())
    write_truth(OUT_TRUTH, make_truth())
    print("wrote", os.path.relpath(OUT_DEMO, ROOT), "and", os.path.relpath(OUT_TRUTH, ROOT))


if __name__ == "__main__":
    main()
