//! wasm-bindgen bindings to the part of `mediasoup-client` the live player uses, loaded on demand.
//!
//! The library is bundled at build time (`cargo xtask`, esbuild) into one
//! local ES module, `/live-js/mediasoup-client.mjs`, and imported only when a
//! live page opens: other pages never load it, and nothing comes from a CDN.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where the bundle is served (Trunk copies `js/live-dist/` there).
pub const MODULE_URL: &str = "/live-js/mediasoup-client.mjs";

#[wasm_bindgen(inline_js = "export function import_module(url) { return import(url); }")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn import_module(url: &str) -> Result<js_sys::Promise, JsValue>;
}

#[wasm_bindgen]
extern "C" {
    /// `mediasoup-client`'s `Device`.
    #[derive(Clone)]
    pub type Device;
    #[wasm_bindgen(method, catch)]
    fn load(this: &Device, options: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(method, getter, js_name = rtpCapabilities)]
    pub fn rtp_capabilities(this: &Device) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = createRecvTransport)]
    fn create_recv_transport(this: &Device, options: &JsValue) -> Result<Transport, JsValue>;

    /// A receive `Transport`.
    #[derive(Clone)]
    pub type Transport;
    #[wasm_bindgen(method)]
    pub fn on(this: &Transport, event: &str, listener: &js_sys::Function);
    #[wasm_bindgen(method, catch)]
    fn consume(this: &Transport, options: &JsValue) -> Result<js_sys::Promise, JsValue>;
    #[wasm_bindgen(method)]
    pub fn close(this: &Transport);
    #[wasm_bindgen(method, getter, js_name = connectionState)]
    pub fn connection_state(this: &Transport) -> String;

    /// A `Consumer`.
    #[derive(Clone)]
    pub type Consumer;
    #[wasm_bindgen(method, getter)]
    pub fn track(this: &Consumer) -> web_sys::MediaStreamTrack;
    #[wasm_bindgen(method, getter, js_name = rtpReceiver)]
    pub fn rtp_receiver(this: &Consumer) -> Option<web_sys::RtcRtpReceiver>;
    #[wasm_bindgen(method, js_name = getStats)]
    fn get_stats(this: &Consumer) -> js_sys::Promise;
    #[wasm_bindgen(method)]
    pub fn close(this: &Consumer);
}

fn message(e: &JsValue) -> String {
    js_sys::Reflect::get(e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .or_else(|| e.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The loaded module; cheap to clone.
#[derive(Clone)]
pub struct Mediasoup {
    device_class: js_sys::Function,
}

impl Mediasoup {
    /// Imports the bundle (the browser caches the module after the first time).
    pub async fn load() -> Result<Self, String> {
        let promise = import_module(MODULE_URL).map_err(|e| message(&e))?;
        let module = JsFuture::from(promise)
            .await
            .map_err(|e| format!("{MODULE_URL} could not be loaded: {}", message(&e)))?;
        let device_class = js_sys::Reflect::get(&module, &"Device".into())
            .ok()
            .and_then(|d| d.dyn_into::<js_sys::Function>().ok())
            .ok_or_else(|| format!("{MODULE_URL} exports no Device"))?;
        Ok(Self { device_class })
    }

    /// A new `Device` loaded with the router's capabilities.
    pub async fn device(&self, router_rtp_capabilities: &JsValue) -> Result<Device, String> {
        let device: Device = js_sys::Reflect::construct(&self.device_class, &js_sys::Array::new())
            .map_err(|e| format!("Device: {}", message(&e)))?
            .unchecked_into();
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"routerRtpCapabilities".into(), router_rtp_capabilities)
            .map_err(|e| message(&e))?;
        JsFuture::from(device.load(&options).map_err(|e| message(&e))?)
            .await
            .map_err(|e| format!("Device.load: {}", message(&e)))?;
        Ok(device)
    }
}

impl Device {
    /// `createRecvTransport(transportInfo)`.
    pub fn recv_transport(&self, transport_info: &JsValue) -> Result<Transport, String> {
        self.create_recv_transport(transport_info)
            .map_err(|e| format!("createRecvTransport: {}", message(&e)))
    }
}

impl Transport {
    /// `consume(consumerInfo)`; this is what makes the transport ask to connect.
    pub async fn consume_info(&self, consumer_info: &JsValue) -> Result<Consumer, String> {
        let promise = self.consume(consumer_info).map_err(|e| message(&e))?;
        JsFuture::from(promise)
            .await
            .map(JsCast::unchecked_into)
            .map_err(|e| format!("consume: {}", message(&e)))
    }
}

impl Consumer {
    /// The `remote-outbound-rtp` entry of the consumer's stats (the SFU's
    /// sender reports): `(remoteTimestamp, timestamp, reportsSent)`.
    pub async fn sender_report(&self) -> Option<(f64, f64, f64)> {
        let report = JsFuture::from(self.get_stats()).await.ok()?;
        let values = js_sys::Reflect::get(&report, &"values".into())
            .ok()?
            .dyn_into::<js_sys::Function>()
            .ok()?;
        let iter = values.call0(&report).ok()?;
        let array = js_sys::Array::from(&iter);
        let num =
            |o: &JsValue, k: &str| js_sys::Reflect::get(o, &k.into()).ok().and_then(|v| v.as_f64());
        array.iter().find_map(|s| {
            let ty = js_sys::Reflect::get(&s, &"type".into()).ok()?.as_string()?;
            (ty == "remote-outbound-rtp").then(|| {
                Some((
                    num(&s, "remoteTimestamp")?,
                    num(&s, "timestamp")?,
                    num(&s, "reportsSent").unwrap_or(0.0),
                ))
            })?
        })
    }
}

/// Keeps only H.264 (and its retransmission format) in the capabilities sent
/// with `consume`: VAS's stream is H.264 only, and a consumer must not be
/// negotiated for anything else. `None` when the browser cannot receive H.264.
pub fn h264_only(capabilities: &JsValue) -> Option<JsValue> {
    let mut caps: serde_json::Value = serde_wasm_json(capabilities)?;
    let codecs = caps.get_mut("codecs")?.as_array_mut()?;
    codecs.retain(|c| {
        let mime =
            c.get("mimeType").and_then(|m| m.as_str()).unwrap_or_default().to_ascii_lowercase();
        mime == "video/h264" || mime == "video/rtx"
    });
    if !codecs.iter().any(|c| {
        c.get("mimeType")
            .and_then(|m| m.as_str())
            .is_some_and(|m| m.eq_ignore_ascii_case("video/h264"))
    }) {
        return None;
    }
    js_sys::JSON::parse(&caps.to_string()).ok()
}

/// A JS value through JSON into serde (capabilities are plain data).
pub fn serde_wasm_json(v: &JsValue) -> Option<serde_json::Value> {
    let text = js_sys::JSON::stringify(v).ok()?.as_string()?;
    serde_json::from_str(&text).ok()
}
