//! `requestVideoFrameCallback` (absent from web-sys): which frame is on screen, from the browser.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlVideoElement;

use crate::core::clock::presented_frame::PresentedFrame;

#[wasm_bindgen]
extern "C" {
    /// An `HTMLVideoElement` seen through the frame-callback methods web-sys lacks.
    #[wasm_bindgen(extends = HtmlVideoElement)]
    type FrameCallbackVideo;
    #[wasm_bindgen(method, js_name = requestVideoFrameCallback)]
    fn request_video_frame_callback(this: &FrameCallbackVideo, callback: &js_sys::Function) -> u32;
    #[wasm_bindgen(method, js_name = cancelVideoFrameCallback)]
    fn cancel_video_frame_callback(this: &FrameCallbackVideo, handle: u32);

    /// The metadata dictionary handed to a video-frame callback. Typed
    /// getters read it without building a key string per read.
    type FrameMetadata;
    #[wasm_bindgen(method, getter, js_name = mediaTime)]
    fn media_time(this: &FrameMetadata) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = presentedFrames)]
    fn presented_frames(this: &FrameMetadata) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = rtpTimestamp)]
    fn rtp_timestamp(this: &FrameMetadata) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = receiveTime)]
    fn receive_time(this: &FrameMetadata) -> Option<f64>;
    #[wasm_bindgen(method, getter, js_name = expectedDisplayTime)]
    fn expected_display_time(this: &FrameMetadata) -> Option<f64>;
}

fn with_callbacks(video: &HtmlVideoElement) -> &FrameCallbackVideo {
    video.unchecked_ref::<FrameCallbackVideo>()
}

/// Whether this browser has `requestVideoFrameCallback`.
pub fn is_supported(video: &HtmlVideoElement) -> bool {
    js_sys::Reflect::get(video, &JsValue::from_str("requestVideoFrameCallback"))
        .is_ok_and(|f| f.is_function())
}

type FrameClosure = Closure<dyn FnMut(f64, FrameMetadata)>;

/// Keeps a `requestVideoFrameCallback` registration alive and records the
/// latest presented frame. Dropping it cancels the registration.
pub struct VideoFrameWatcher {
    video: HtmlVideoElement,
    latest: Rc<Cell<Option<PresentedFrame>>>,
    handle: Rc<Cell<Option<u32>>>,
    closure: Rc<RefCell<Option<FrameClosure>>>,
}

impl VideoFrameWatcher {
    /// Starts watching; `None` when the browser lacks the API.
    pub fn start(video: &HtmlVideoElement) -> Option<Self> {
        if !is_supported(video) {
            return None;
        }
        let latest: Rc<Cell<Option<PresentedFrame>>> = Rc::new(Cell::new(None));
        let handle: Rc<Cell<Option<u32>>> = Rc::new(Cell::new(None));
        let closure: Rc<RefCell<Option<FrameClosure>>> = Rc::new(RefCell::new(None));
        let (latest_c, handle_c, closure_c, video_c) =
            (latest.clone(), handle.clone(), Rc::downgrade(&closure), video.clone());
        let cb = Closure::<dyn FnMut(f64, FrameMetadata)>::new(
            move |now: f64, metadata: FrameMetadata| {
                if let Some(media_time) = metadata.media_time().filter(|t| t.is_finite()) {
                    let presented_frames = metadata.presented_frames().unwrap_or(0.0) as u32;
                    latest_c.set(Some(PresentedFrame {
                        media_time,
                        presented_frames,
                        // RTP timestamps are 32-bit; anything else is not one.
                        rtp_timestamp: metadata
                            .rtp_timestamp()
                            .filter(|r| (0.0..=f64::from(u32::MAX)).contains(r))
                            .map(|r| r as u32),
                        receive_time: metadata.receive_time().filter(|t| t.is_finite()),
                        expected_display_time: metadata
                            .expected_display_time()
                            .filter(|t| t.is_finite())
                            .unwrap_or(now),
                    }));
                }
                // Re-arm for the next frame. The callback only records metadata:
                // it never touches the video, so playback cannot be affected.
                if let Some(closure) = closure_c.upgrade() {
                    if let Some(f) = closure.borrow().as_ref() {
                        handle_c.set(Some(
                            with_callbacks(&video_c)
                                .request_video_frame_callback(f.as_ref().unchecked_ref()),
                        ));
                    }
                }
            },
        );
        handle.set(Some(
            with_callbacks(video).request_video_frame_callback(cb.as_ref().unchecked_ref()),
        ));
        *closure.borrow_mut() = Some(cb);
        Some(Self { video: video.clone(), latest, handle, closure })
    }

    /// The most recently presented frame, if any yet.
    pub fn latest(&self) -> Option<PresentedFrame> {
        self.latest.get()
    }
}

impl Drop for VideoFrameWatcher {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            with_callbacks(&self.video).cancel_video_frame_callback(h);
        }
        // Releasing the closure breaks the watcher's only self-reference.
        if let Ok(mut c) = self.closure.try_borrow_mut() {
            c.take();
        }
    }
}
