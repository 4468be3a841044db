//! Plays a VAS camera live: MediaSoup signaling (contract section 4) and `mediasoup-client` into a `<video>` it owns.
//!
//! One session = one WebSocket, one receive transport, one consumer. The
//! session ends on a signaling error or timeout, an empty producer list, a
//! stall or the track ending; it is then torn down (`closeTransport` for its
//! own transport, consumer and transport closed, socket closed) and a new
//! one starts after a back-off. The states show in the player's own area;
//! the overlay never sees any of this. The player also feeds the SFU's
//! sender reports (`getStats`) into the live frame clock.
//!
//! Every duration (stall, playout delay) is measured on `performance.now()`,
//! never the wall clock. While the page is hidden the browser presents no
//! frames: stall detection is suspended then, re-armed on return, and no new
//! session is opened until the page is shown (`core::clock::live::live_session`).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlVideoElement, MediaStream, MediaStreamTrackState};
use yew::prelude::*;

use super::mediasoup::{h264_only, serde_wasm_json, Consumer, Mediasoup, Transport};
use super::page_visibility::PageVisibility;
use super::signaling::Signaling;
use crate::core::clock::live::live_clock::{LiveClockMethod, SenderReportSample};
use crate::core::clock::live::live_delay::{next_event_room_us, DelayParams, PlayoutDelay};
use crate::core::clock::live::live_session::{
    PlayerState, ReconnectPolicy, SessionEnd, SessionTiming, StallWatch,
};
use crate::core::clock::live::live_signaling::{
    consumer_info, producer_to_consume, Request, TransportInfo,
};
use crate::events::store_handle::StoreHandle;
use crate::media::live_clock_handle::LiveClockHandle;
use crate::media::monotonic::now_mono_ms;
use crate::media::video_frame_callback::VideoFrameWatcher;

#[derive(Properties, PartialEq, Clone)]
pub struct LivePlayerProps {
    pub camera_id: AttrValue,
    /// `ws(s)://.../ws/mediasoup`, derived from the API base.
    pub ws_url: AttrValue,
    /// Shared with the overlay, which only reads the element.
    pub video_ref: NodeRef,
    pub clock: LiveClockHandle,
    /// The overlay's events, read only: the playout delay keeps frames behind
    /// the newest event held.
    pub store: StoreHandle,
    /// Delay the picture until its events have arrived (see `core::clock::live::live_delay`).
    #[prop_or(true)]
    pub playout_delay: bool,
}

/// mediasoup-client's `connect` listener: `(params, callback, errback)`.
type ConnectListener = Closure<dyn FnMut(JsValue, js_sys::Function, js_sys::Function)>;

/// What a running session holds; torn down at its end or when the page goes.
struct Active {
    signaling: Rc<Signaling>,
    transport_id: Option<String>,
    transport: Option<Transport>,
    consumer: Option<Consumer>,
    _on_connect: Option<ConnectListener>,
}

impl Active {
    /// `closeTransport` for the session's own transport (VAS never closes it
    /// by itself), then the local consumer, transport and socket.
    fn teardown(mut self) {
        if let Some(transport_id) = self.transport_id.take() {
            self.signaling.send_and_forget(&Request::CloseTransport { transport_id });
        }
        if let Some(c) = self.consumer.take() {
            c.close();
        }
        if let Some(t) = self.transport.take() {
            t.close();
        }
    }
}

type ActiveSlot = Rc<RefCell<Option<Active>>>;

fn tear_down(slot: &ActiveSlot) {
    let taken = slot.borrow_mut().take();
    if let Some(a) = taken {
        a.teardown();
    }
}

struct Ctx {
    room: String,
    url: String,
    video: HtmlVideoElement,
    clock: LiveClockHandle,
    store: StoreHandle,
    /// None: no playout delay.
    delay: Option<RefCell<PlayoutDelay>>,
    /// Where the current target is shown (`data-playout-delay-ms`).
    state_el: NodeRef,
    timing: SessionTiming,
    alive: Rc<Cell<bool>>,
    active: ActiveSlot,
    set_state: Rc<dyn Fn(PlayerState)>,
    visibility: Rc<PageVisibility>,
}

/// Waits until the policy allows a new session (the page is shown); false
/// when the player went away meanwhile.
async fn until_session_allowed(ctx: &Ctx, policy: &ReconnectPolicy) -> bool {
    while ctx.alive.get() && !policy.may_open(ctx.visibility.now()) {
        web_sys::console::debug_1(
            &"live: the page is hidden; the next session waits until it is shown".into(),
        );
        ctx.visibility.until_visible().await;
    }
    ctx.alive.get()
}

/// Runs sessions until the player goes away.
async fn run(ctx: Ctx) {
    let mediasoup = match Mediasoup::load().await {
        Ok(m) => m,
        Err(e) => {
            (ctx.set_state)(PlayerState::Reconnecting { attempt: 1, retry_in_ms: 0, reason: e });
            return;
        }
    };
    let mut policy = ReconnectPolicy::new(&ctx.timing);
    let mut attempt = 0u32;
    let mut last_end: Option<SessionEnd> = None;
    while until_session_allowed(&ctx, &policy).await {
        attempt += 1;
        match &last_end {
            None => (ctx.set_state)(PlayerState::Connecting),
            // Periodic checks of a stream that is not started keep saying so.
            Some(SessionEnd::NotStarted) => {}
            Some(SessionEnd::Stalled) => (ctx.set_state)(PlayerState::Reconnecting {
                attempt,
                retry_in_ms: 0,
                reason: "stalled".into(),
            }),
            Some(SessionEnd::Failed(r)) => (ctx.set_state)(PlayerState::Reconnecting {
                attempt,
                retry_in_ms: 0,
                reason: r.clone(),
            }),
        }
        let end = session(&ctx, &mediasoup, &mut policy).await;
        tear_down(&ctx.active);
        if !ctx.alive.get() {
            break;
        }
        web_sys::console::debug_1(&format!("live session ended: {end:?}").into());
        let (state, wait) = policy.on_end(&end, js_sys::Math::random());
        (ctx.set_state)(state);
        last_end = Some(end);
        TimeoutFuture::new(wait).await;
    }
}

/// One session, from opening the socket to its end (teardown is the caller's).
async fn session(ctx: &Ctx, mediasoup: &Mediasoup, policy: &mut ReconnectPolicy) -> SessionEnd {
    macro_rules! attempt {
        ($e:expr) => {
            match $e {
                Ok(v) => v,
                Err(e) => return SessionEnd::Failed(e.to_string()),
            }
        };
    }
    let t = ctx.timing;
    let signaling =
        Rc::new(attempt!(Signaling::open(&ctx.url, t.open_timeout_ms, t.request_timeout_ms).await));
    *ctx.active.borrow_mut() = Some(Active {
        signaling: signaling.clone(),
        transport_id: None,
        transport: None,
        consumer: None,
        _on_connect: None,
    });
    let room = ctx.room.clone();

    let caps = attempt!(
        signaling.request(&Request::GetRouterRtpCapabilities { room_id: room.clone() }).await
    );
    let router_caps = attempt!(caps.field("rtpCapabilities")).to_string();
    let router_caps = attempt!(js_sys::JSON::parse(&router_caps).map_err(|_| "capabilities"));
    let device = attempt!(mediasoup.device(&router_caps).await);
    let Some(receive_caps) = h264_only(&device.rtp_capabilities()) else {
        return SessionEnd::Failed("this browser cannot receive H.264".into());
    };

    let created = attempt!(
        signaling.request(&Request::CreateWebRtcTransport { room_id: room.clone() }).await
    );
    let info = attempt!(TransportInfo::from_reply(&created));
    // From here on, teardown closes the server's transport even if the rest fails.
    if let Some(a) = ctx.active.borrow_mut().as_mut() {
        a.transport_id = Some(info.id.clone());
    }
    let raw = attempt!(js_sys::JSON::parse(&info.raw.to_string()).map_err(|_| "transportInfo"));
    let transport = attempt!(device.recv_transport(&raw));
    let on_connect = {
        let (signaling, transport_id) = (signaling.clone(), info.id.clone());
        ConnectListener::new(
            move |params: JsValue, callback: js_sys::Function, errback: js_sys::Function| {
                let (signaling, transport_id) = (signaling.clone(), transport_id.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let dtls = js_sys::Reflect::get(&params, &"dtlsParameters".into())
                        .ok()
                        .and_then(|d| serde_wasm_json(&d));
                    let result = match dtls {
                        Some(dtls_parameters) => signaling
                            .request(&Request::ConnectWebRtcTransport {
                                transport_id,
                                dtls_parameters,
                            })
                            .await
                            .map(|_| ())
                            .map_err(|e| e.to_string()),
                        None => Err("no dtlsParameters".to_owned()),
                    };
                    let _ = match result {
                        Ok(()) => callback.call0(&JsValue::NULL),
                        Err(e) => errback.call1(&JsValue::NULL, &js_sys::Error::new(&e)),
                    };
                });
            },
        )
    };
    transport.on("connect", on_connect.as_ref().unchecked_ref());
    if let Some(a) = ctx.active.borrow_mut().as_mut() {
        a.transport = Some(transport.clone());
        a._on_connect = Some(on_connect);
    }

    let listed =
        attempt!(signaling.request(&Request::GetProducers { room_id: room.clone() }).await);
    let Some(producer_id) = attempt!(producer_to_consume(&listed)) else {
        return SessionEnd::NotStarted;
    };
    let caps_json = attempt!(serde_wasm_json(&receive_caps).ok_or("capabilities"));
    let consumed = attempt!(
        signaling
            .request(&Request::Consume {
                transport_id: info.id.clone(),
                producer_id,
                rtp_capabilities: caps_json
            })
            .await
    );
    let consumer_json = attempt!(consumer_info(&consumed));
    let consumer_js =
        attempt!(js_sys::JSON::parse(&consumer_json.to_string()).map_err(|_| "consumerInfo"));
    // This makes the transport ask to connect: connectWebRtcTransport goes out
    // from the handler above while nothing else is in flight.
    let consumer = attempt!(transport.consume_info(&consumer_js).await);
    if let Some(a) = ctx.active.borrow_mut().as_mut() {
        a.consumer = Some(consumer.clone());
    }

    ctx.clock.reset();
    let track = consumer.track();
    let tracks = js_sys::Array::of1(&track);
    let stream = attempt!(MediaStream::new_with_tracks(&tracks).map_err(|_| "MediaStream"));
    ctx.video.set_src_object(Some(&stream));
    if let Ok(p) = ctx.video.play() {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(p).await;
        });
    }
    watch(ctx, &transport, &consumer, policy).await
}

/// Watches a playing session until it stalls, fails or the player goes.
/// `RTCRtpReceiver.jitterBufferTarget` (ms; absent from web-sys): how long
/// WebRTC holds frames before presenting them.
fn set_jitter_buffer_target(consumer: &Consumer, ms: f64) {
    if let Some(receiver) = consumer.rtp_receiver() {
        let _ =
            js_sys::Reflect::set(&receiver, &"jitterBufferTarget".into(), &JsValue::from_f64(ms));
    }
}

async fn watch(
    ctx: &Ctx,
    transport: &Transport,
    consumer: &Consumer,
    policy: &mut ReconnectPolicy,
) -> SessionEnd {
    let watcher = VideoFrameWatcher::start(&ctx.video);
    // A new session starts with the delay the last one had learnt.
    if let Some(delay) = &ctx.delay {
        set_jitter_buffer_target(consumer, delay.borrow().target_ms());
    }
    ctx.visibility.forget_changes();
    let mut stall = StallWatch::new(now_mono_ms(), ctx.visibility.now());
    let mut clock_method: Option<LiveClockMethod> = None;
    let mut last_report = 0.0;
    let mut tick = 0u32;
    while ctx.alive.get() {
        TimeoutFuture::new(100).await;
        if !ctx.alive.get() {
            break;
        }
        tick += 1;
        let now = now_mono_ms();
        // Hidden and shown at the times the events came, then as the page is
        // now (which changes nothing unless an event was missed).
        for (visibility, at) in ctx.visibility.take_changes() {
            stall.on_visibility(visibility, at);
        }
        stall.on_visibility(ctx.visibility.now(), now);
        let frame_id = match &watcher {
            // The RTP timestamp names the frame's content: a frame presented
            // again is no progress. The presented-frame count when there is none.
            Some(w) => {
                w.latest().map(|f| f.rtp_timestamp.map_or(u64::from(f.presented_frames), u64::from))
            }
            // Without frame callbacks, decoded frames still tell progress.
            None => Some((ctx.video.current_time() * 1000.0) as u64)
                .filter(|_| ctx.video.ready_state() >= 2),
        };
        if let Some(id) = frame_id {
            let first = !stall.has_frames();
            if stall.on_frame(id, now) && first {
                policy.on_frames();
                (ctx.set_state)(PlayerState::Live);
            }
        }
        if consumer.track().ready_state() == MediaStreamTrackState::Ended {
            return SessionEnd::Stalled;
        }
        if matches!(transport.connection_state().as_str(), "failed" | "closed") {
            return SessionEnd::Failed("the media connection failed".into());
        }
        if stall.is_stalled(now, &ctx.timing) {
            return SessionEnd::Stalled;
        }
        // A hidden page keeps its last frame on screen while events go on
        // arriving: that frame says nothing about lateness.
        if let Some(delay) = ctx.delay.as_ref().filter(|_| stall.picture_is_current()) {
            let mut delay = delay.borrow_mut();
            if let Some((frame, method)) = ctx.clock.last_selection_time() {
                // Deficits measured with another clock method (start-up's
                // `arrival` may be seconds off) say nothing about this one.
                if clock_method.replace(method) != Some(method) {
                    delay.forget_recent();
                }
                let room_us = next_event_room_us([ctx.store.slowest_model_interval_us()]);
                delay.observe(now, frame.0, room_us, ctx.store.newest().map(|t| t.0));
            }
            if let Some(target) = delay.next_target(now) {
                set_jitter_buffer_target(consumer, target);
                if let Some(el) = ctx.state_el.cast::<web_sys::Element>() {
                    let _ = el.set_attribute("data-playout-delay-ms", &format!("{target:.0}"));
                }
            }
        }
        // Sender reports come about once a second; a look every 200 ms catches
        // each soon after it arrives.
        if tick % 2 == 0 {
            if let Some((remote_ms, local_ms, reports)) = consumer.sender_report().await {
                if reports > last_report {
                    last_report = reports;
                    ctx.clock.observe_sender_report(SenderReportSample { remote_ms, local_ms });
                }
            }
        }
    }
    SessionEnd::Failed("left".into())
}

/// The live `<video>` (muted, autoplay, inline) and the player's state line.
#[function_component(LivePlayer)]
pub fn live_player(props: &LivePlayerProps) -> Html {
    let state = use_state(|| PlayerState::Connecting);
    let state_el = use_node_ref();
    {
        let state = state.clone();
        let (video_ref, clock, timing) =
            (props.video_ref.clone(), props.clock.clone(), SessionTiming::default());
        let (store, state_el) = (props.store.clone(), state_el.clone());
        use_effect_with(
            (props.camera_id.clone(), props.ws_url.clone(), props.playout_delay),
            move |(camera_id, url, playout_delay)| {
                let alive = Rc::new(Cell::new(true));
                let active: ActiveSlot = Rc::new(RefCell::new(None));
                let visibility = Rc::new(PageVisibility::start());
                if let Some(video) = video_ref.cast::<HtmlVideoElement>() {
                    // The muted property (not only the attribute) is what autoplay policies check.
                    video.set_muted(true);
                    let set_state: Rc<dyn Fn(PlayerState)> = Rc::new(move |s| state.set(s));
                    let ctx = Ctx {
                        room: camera_id.to_string(),
                        url: url.to_string(),
                        video,
                        clock,
                        store,
                        delay: playout_delay
                            .then(|| RefCell::new(PlayoutDelay::new(DelayParams::default()))),
                        state_el,
                        timing,
                        alive: alive.clone(),
                        active: active.clone(),
                        set_state,
                        visibility: visibility.clone(),
                    };
                    wasm_bindgen_futures::spawn_local(run(ctx));
                }
                // Leaving the page (not only the route) tears the session down too.
                let on_pagehide = {
                    let active = active.clone();
                    Closure::<dyn FnMut()>::new(move || tear_down(&active))
                };
                let window = web_sys::window();
                if let Some(w) = &window {
                    let _ = w.add_event_listener_with_callback(
                        "pagehide",
                        on_pagehide.as_ref().unchecked_ref(),
                    );
                }
                move || {
                    alive.set(false);
                    tear_down(&active);
                    // A run parked until the page is shown wakes, sees it is over and ends.
                    visibility.release_waiters();
                    if let Some(w) = &window {
                        let _ = w.remove_event_listener_with_callback(
                            "pagehide",
                            on_pagehide.as_ref().unchecked_ref(),
                        );
                    }
                }
            },
        );
    }
    let message = state.message();
    html! {
        <>
            <video
                ref={props.video_ref.clone()}
                muted=true
                autoplay=true
                playsinline=true
                disablepictureinpicture=true
                style="position:absolute;inset:0;width:100%;height:100%;object-fit:contain;background:#000"
            />
            <div ref={state_el} class="player-state" data-player-state={state.as_attr()} role="status" hidden={message.is_none()}>
                { message.unwrap_or_default() }
            </div>
        </>
    }
}
