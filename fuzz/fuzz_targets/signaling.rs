//! Fuzz target: VAS's MediaSoup signaling replies (`parse_reply` and the readers of a reply) and the WebSocket URL.
//!
//! The input is taken as a reply to each of the viewer's six requests: a
//! reply is accepted exactly when its `type` is the one the request expects,
//! `{"type":"error"}` is the server's refusal, anything else a protocol error
//! of the right kind; the readers of an accepted reply return only what the
//! reply holds. The text (as a room id and ids) goes into every request and
//! comes back out of its JSON unchanged. Its first two lines, as API base and
//! page origin, make a signaling URL that keeps the base's host and path, or
//! none when the base is not http(s) or names no host.

#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use vas_overlay_viewer::core::clock::live::live_signaling::{
    consumer_info, parse_reply, producer_to_consume, websocket_url, ReplyError, Request,
    TransportInfo,
};

fn requests(text: &str) -> [Request; 6] {
    let s = text.to_owned();
    [
        Request::GetRouterRtpCapabilities { room_id: s.clone() },
        Request::CreateWebRtcTransport { room_id: s.clone() },
        Request::GetProducers { room_id: s.clone() },
        Request::Consume {
            transport_id: s.clone(),
            producer_id: s.clone(),
            rtp_capabilities: json!({ "codecs": [s.clone()] }),
        },
        Request::ConnectWebRtcTransport {
            transport_id: s.clone(),
            dtls_parameters: json!({ "role": s.clone() }),
        },
        Request::CloseTransport { transport_id: s },
    ]
}

/// A field where `Reply::field` looks: the top level, else inside `payload`; null counts as absent.
fn field<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    v.get(name).or_else(|| v.get("payload").and_then(|p| p.get(name))).filter(|v| !v.is_null())
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let value: Option<Value> = serde_json::from_str(&text).ok();
    let ty = value.as_ref().and_then(|v| v.get("type")).and_then(Value::as_str);
    for request in requests(&text) {
        // The request's own message carries the text unchanged.
        let sent: Value = serde_json::from_str(&request.to_json()).expect("a request is JSON");
        assert_eq!(sent["type"], request.type_name());
        let id = sent["payload"].get("roomId").or_else(|| sent["payload"].get("transportId"));
        assert_eq!(id.and_then(Value::as_str), Some(&*text));

        let expected = request.reply_type();
        match parse_reply(&request, &text) {
            Ok(reply) => {
                let v = value.as_ref().expect("an accepted reply is JSON");
                assert_eq!(ty, Some(expected), "{text:?} accepted for {}", request.type_name());
                match TransportInfo::from_reply(&reply) {
                    Ok(info) => {
                        assert_eq!(Some(&info.raw), field(v, "transportInfo"));
                        assert_eq!(
                            info.raw.get("id").and_then(Value::as_str),
                            Some(info.id.as_str())
                        );
                        for name in ["iceParameters", "iceCandidates", "dtlsParameters"] {
                            assert!(
                                info.raw.get(name).is_some_and(|x| !x.is_null()),
                                "{name} missing: {text:?}"
                            );
                        }
                    }
                    Err(e) => assert!(matches!(e, ReplyError::MissingField(_)), "{e:?}"),
                }
                match producer_to_consume(&reply) {
                    Ok(p) => {
                        let list = field(v, "producers")
                            .and_then(Value::as_array)
                            .expect("a producers list");
                        assert_eq!(
                            p.as_deref(),
                            list.iter().rev().find_map(Value::as_str),
                            "{text:?}"
                        );
                    }
                    Err(e) => assert_eq!(e, ReplyError::MissingField("producers")),
                }
                match consumer_info(&reply) {
                    Ok(info) => {
                        assert_eq!(Some(&info), field(v, "consumerInfo"));
                        assert_eq!(info.get("kind").and_then(Value::as_str), Some("video"));
                        for name in ["id", "producerId", "rtpParameters"] {
                            assert!(
                                info.get(name).is_some_and(|x| !x.is_null()),
                                "{name} missing: {text:?}"
                            );
                        }
                    }
                    Err(e) => assert!(matches!(e, ReplyError::MissingField(_)), "{e:?}"),
                }
            }
            Err(ReplyError::Server(_)) => assert_eq!(ty, Some("error"), "{text:?}"),
            Err(ReplyError::Unexpected { expected: e, got }) => {
                assert_eq!(e, expected);
                assert_eq!(ty, Some(got.as_str()), "{text:?}");
                assert!(got != expected && got != "error", "{text:?}");
            }
            Err(ReplyError::Malformed(_)) => assert!(ty.is_none(), "{text:?} refused as malformed"),
            Err(e @ ReplyError::MissingField(_)) => panic!("parse_reply reads no field: {e:?}"),
        }
    }

    // The signaling URL: `ws`/`wss` for `http`/`https` (any letter case)
    // and `/ws/mediasoup` after the base's own host and path, or a refusal;
    // always a refusal for other schemes and for nothing or a path where the
    // host belongs, never one for a base whose host starts plainly (a letter
    // or digit: a name or an address).
    let mut lines = text.splitn(3, '\n');
    let (base, origin) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
    let used = if base.trim().is_empty() { origin } else { base.trim() };
    let used = used.trim_end_matches('/');
    let lower = used.to_ascii_lowercase();
    let got = websocket_url(base, origin);
    let model = if lower.starts_with("https://") {
        Some(("wss://", &used[8..]))
    } else if lower.starts_with("http://") {
        Some(("ws://", &used[7..]))
    } else {
        None
    };
    match (model, &got) {
        (Some((ws, rest)), Ok(url)) => {
            assert!(
                !rest.is_empty() && !rest.starts_with('/'),
                "{base:?} {origin:?} names no host, gave {url:?}"
            );
            assert_eq!(*url, format!("{ws}{rest}/ws/mediasoup"), "{base:?} {origin:?}");
        }
        (Some((_, rest)), Err(e)) => {
            assert!(
                !rest.starts_with(|c: char| c.is_ascii_alphanumeric()),
                "{base:?} {origin:?} refused: {e}"
            );
        }
        (None, _) => assert!(got.is_err(), "{base:?} {origin:?} is not http(s), gave {got:?}"),
    }
});
