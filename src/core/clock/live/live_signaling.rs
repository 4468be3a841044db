//! VAS's MediaSoup signaling (contract section 4) as data: requests, the reply each expects, decoding.
//!
//! Replies carry no request id, so the session sends one request at a time
//! and takes the next message as its reply: a message of the expected type,
//! or `{"type": "error", "error": "..."}`. Anything else is a protocol error
//! that ends the session. Reply fields are read at the top level, where VAS
//! puts them, or inside a `payload` object, like requests carry theirs.
//! A viewer never sends the producer-side messages; [`Request`] cannot even
//! express them.

use serde_json::{json, Value};

/// The receive-only requests of a viewer, in the order a session sends them
/// (`CloseTransport` on teardown).
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    GetRouterRtpCapabilities { room_id: String },
    CreateWebRtcTransport { room_id: String },
    GetProducers { room_id: String },
    Consume { transport_id: String, producer_id: String, rtp_capabilities: Value },
    ConnectWebRtcTransport { transport_id: String, dtls_parameters: Value },
    CloseTransport { transport_id: String },
}

impl Request {
    pub fn type_name(&self) -> &'static str {
        match self {
            Request::GetRouterRtpCapabilities { .. } => "getRouterRtpCapabilities",
            Request::CreateWebRtcTransport { .. } => "createWebRtcTransport",
            Request::GetProducers { .. } => "getProducers",
            Request::Consume { .. } => "consume",
            Request::ConnectWebRtcTransport { .. } => "connectWebRtcTransport",
            Request::CloseTransport { .. } => "closeTransport",
        }
    }

    /// The type of the reply that answers this request.
    pub fn reply_type(&self) -> &'static str {
        match self {
            Request::GetRouterRtpCapabilities { .. } => "routerRtpCapabilities",
            Request::CreateWebRtcTransport { .. } => "webRtcTransportCreated",
            Request::GetProducers { .. } => "producersList",
            Request::Consume { .. } => "consumerCreated",
            Request::ConnectWebRtcTransport { .. } => "webRtcTransportConnected",
            Request::CloseTransport { .. } => "transportClosed",
        }
    }

    /// The message text: `{"type": T, "payload": {...}}`.
    pub fn to_json(&self) -> String {
        let payload = match self {
            Request::GetRouterRtpCapabilities { room_id }
            | Request::CreateWebRtcTransport { room_id }
            | Request::GetProducers { room_id } => {
                json!({ "roomId": room_id })
            }
            Request::Consume { transport_id, producer_id, rtp_capabilities } => {
                json!({ "transportId": transport_id, "producerId": producer_id, "rtpCapabilities": rtp_capabilities })
            }
            Request::ConnectWebRtcTransport { transport_id, dtls_parameters } => {
                json!({ "transportId": transport_id, "dtlsParameters": dtls_parameters })
            }
            Request::CloseTransport { transport_id } => json!({ "transportId": transport_id }),
        };
        json!({ "type": self.type_name(), "payload": payload }).to_string()
    }
}

/// Why a reply could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyError {
    /// `{"type": "error"}`: the server refused the request.
    Server(String),
    /// Not JSON, or not an object with a `type`.
    Malformed(String),
    /// A reply of another type than the request expects.
    Unexpected { expected: &'static str, got: String },
    /// The expected type, but a field is missing or of the wrong kind.
    MissingField(&'static str),
}

impl std::fmt::Display for ReplyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplyError::Server(m) => write!(f, "the server answered with an error: {m}"),
            ReplyError::Malformed(m) => write!(f, "unreadable reply: {m}"),
            ReplyError::Unexpected { expected, got } => {
                write!(f, "expected a {expected} reply, got {got}")
            }
            ReplyError::MissingField(name) => write!(f, "the reply lacks {name}"),
        }
    }
}

/// A reply of the expected type.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply(Value);

impl Reply {
    /// A field at the top level, else inside `payload`.
    pub fn field(&self, name: &'static str) -> Result<&Value, ReplyError> {
        self.0
            .get(name)
            .or_else(|| self.0.get("payload").and_then(|p| p.get(name)))
            .filter(|v| !v.is_null())
            .ok_or(ReplyError::MissingField(name))
    }
}

/// Matches a received text against the request in flight.
pub fn parse_reply(request: &Request, text: &str) -> Result<Reply, ReplyError> {
    let v: Value = serde_json::from_str(text).map_err(|e| ReplyError::Malformed(e.to_string()))?;
    let ty = v
        .get("type")
        .and_then(Value::as_str)
        .ok_or_else(|| ReplyError::Malformed("no type".into()))?
        .to_owned();
    if ty == "error" {
        let msg = v
            .get("error")
            .or_else(|| v.get("payload").and_then(|p| p.get("error")))
            .map(|e| e.as_str().map_or_else(|| e.to_string(), str::to_owned))
            .unwrap_or_else(|| "no message".into());
        return Err(ReplyError::Server(msg));
    }
    if ty != request.reply_type() {
        return Err(ReplyError::Unexpected { expected: request.reply_type(), got: ty });
    }
    Ok(Reply(v))
}

/// What `createWebRtcTransport` returns (opaque parts go to mediasoup-client as they are).
#[derive(Debug, Clone, PartialEq)]
pub struct TransportInfo {
    pub id: String,
    /// The whole `transportInfo` object.
    pub raw: Value,
}

impl TransportInfo {
    pub fn from_reply(r: &Reply) -> Result<Self, ReplyError> {
        let raw = r.field("transportInfo")?.clone();
        let id = raw
            .get("id")
            .and_then(Value::as_str)
            .ok_or(ReplyError::MissingField("transportInfo.id"))?
            .to_owned();
        for name in ["iceParameters", "iceCandidates", "dtlsParameters"] {
            if raw.get(name).is_none_or(Value::is_null) {
                return Err(ReplyError::MissingField(match name {
                    "iceParameters" => "transportInfo.iceParameters",
                    "iceCandidates" => "transportInfo.iceCandidates",
                    _ => "transportInfo.dtlsParameters",
                }));
            }
        }
        Ok(Self { id, raw })
    }
}

/// Which producer to consume from a `producersList`: the last one (oldest
/// first, and stale producers can linger); `None` when the stream is not started.
pub fn producer_to_consume(r: &Reply) -> Result<Option<String>, ReplyError> {
    let list = r.field("producers")?.as_array().ok_or(ReplyError::MissingField("producers"))?;
    Ok(list.iter().rev().find_map(|p| p.as_str().map(str::to_owned)))
}

/// What `consume` returns, checked: video, with RTP parameters.
pub fn consumer_info(r: &Reply) -> Result<Value, ReplyError> {
    let info = r.field("consumerInfo")?;
    for name in ["id", "producerId", "rtpParameters"] {
        if info.get(name).is_none_or(Value::is_null) {
            return Err(ReplyError::MissingField("consumerInfo.id, producerId or rtpParameters"));
        }
    }
    if info.get("kind").and_then(Value::as_str) != Some("video") {
        return Err(ReplyError::MissingField("consumerInfo.kind video"));
    }
    Ok(info.clone())
}

/// The signaling WebSocket URL from the API base URL (empty: the page's
/// origin): `http` becomes `ws`, `https` becomes `wss`, and `/ws/mediasoup`
/// is appended to the base's path.
pub fn websocket_url(api_base: &str, page_origin: &str) -> Result<String, String> {
    let base = if api_base.trim().is_empty() { page_origin } else { api_base.trim() };
    let base = base.trim_end_matches('/');
    // Schemes are case-insensitive: `ViewerConfig` accepts `HTTPS://...`, so this must too.
    let scheme = |prefix: &str| {
        base.get(..prefix.len())
            .filter(|s| s.eq_ignore_ascii_case(prefix))
            .map(|_| &base[prefix.len()..])
    };
    let rest = if let Some(r) = scheme("https://") {
        format!("wss://{r}")
    } else if let Some(r) = scheme("http://") {
        format!("ws://{r}")
    } else {
        return Err(format!("the API base {base:?} is not an http(s) URL"));
    };
    if rest.split("://").nth(1).is_none_or(|h| h.is_empty() || h.starts_with('/')) {
        return Err(format!("the API base {base:?} names no host"));
    }
    Ok(format!("{rest}/ws/mediasoup"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(n: usize) -> Request {
        let room = "cam".to_string();
        match n {
            0 => Request::GetRouterRtpCapabilities { room_id: room },
            1 => Request::CreateWebRtcTransport { room_id: room },
            2 => Request::GetProducers { room_id: room },
            3 => Request::Consume {
                transport_id: "t".into(),
                producer_id: "p".into(),
                rtp_capabilities: json!({"codecs": []}),
            },
            4 => Request::ConnectWebRtcTransport {
                transport_id: "t".into(),
                dtls_parameters: json!({"role": "client"}),
            },
            _ => Request::CloseTransport { transport_id: "t".into() },
        }
    }

    #[test]
    fn requests_are_type_and_payload() {
        let cases = [
            (0, r#"{"payload":{"roomId":"cam"},"type":"getRouterRtpCapabilities"}"#),
            (1, r#"{"payload":{"roomId":"cam"},"type":"createWebRtcTransport"}"#),
            (2, r#"{"payload":{"roomId":"cam"},"type":"getProducers"}"#),
            (
                3,
                r#"{"payload":{"producerId":"p","rtpCapabilities":{"codecs":[]},"transportId":"t"},"type":"consume"}"#,
            ),
            (
                4,
                r#"{"payload":{"dtlsParameters":{"role":"client"},"transportId":"t"},"type":"connectWebRtcTransport"}"#,
            ),
            (5, r#"{"payload":{"transportId":"t"},"type":"closeTransport"}"#),
        ];
        for (n, expect) in cases {
            assert_eq!(req(n).to_json(), expect);
        }
    }

    #[test]
    fn replies_are_matched_by_type() {
        let r = req(2);
        let ok = parse_reply(&r, r#"{"type":"producersList","producers":["a","b"]}"#).unwrap();
        assert_eq!(producer_to_consume(&ok), Ok(Some("b".into())), "the last producer is consumed");
        let nested =
            parse_reply(&r, r#"{"type":"producersList","payload":{"producers":[]}}"#).unwrap();
        assert_eq!(producer_to_consume(&nested), Ok(None), "empty list: stream not started");
        let cases: [(&str, ReplyError); 5] = [
            (
                r#"{"type":"error","error":"Room x not found"}"#,
                ReplyError::Server("Room x not found".into()),
            ),
            (r#"{"type":"error"}"#, ReplyError::Server("no message".into())),
            (
                r#"{"type":"routerRtpCapabilities"}"#,
                ReplyError::Unexpected {
                    expected: "producersList",
                    got: "routerRtpCapabilities".into(),
                },
            ),
            (r#"not json"#, ReplyError::Malformed("expected ident at line 1 column 2".into())),
            (r#"{"producers":[]}"#, ReplyError::Malformed("no type".into())),
        ];
        for (text, expect) in cases {
            assert_eq!(parse_reply(&r, text), Err(expect), "{text}");
        }
        let no_list = parse_reply(&r, r#"{"type":"producersList"}"#).unwrap();
        assert_eq!(producer_to_consume(&no_list), Err(ReplyError::MissingField("producers")));
    }

    #[test]
    fn transport_and_consumer_replies_are_checked() {
        let full = r#"{"type":"webRtcTransportCreated","transportInfo":{"id":"t1","iceParameters":{},"iceCandidates":[],"dtlsParameters":{}}}"#;
        assert_eq!(
            TransportInfo::from_reply(&parse_reply(&req(1), full).unwrap()).unwrap().id,
            "t1"
        );
        let partial =
            r#"{"type":"webRtcTransportCreated","transportInfo":{"id":"t1","iceParameters":{}}}"#;
        assert_eq!(
            TransportInfo::from_reply(&parse_reply(&req(1), partial).unwrap()),
            Err(ReplyError::MissingField("transportInfo.iceCandidates"))
        );
        let video = r#"{"type":"consumerCreated","consumerInfo":{"id":"c","producerId":"p","kind":"video","rtpParameters":{}}}"#;
        assert!(consumer_info(&parse_reply(&req(3), video).unwrap()).is_ok());
        let audio = video.replace("video", "audio");
        assert!(consumer_info(&parse_reply(&req(3), &audio).unwrap()).is_err());
    }

    #[test]
    fn websocket_urls() {
        let cases = [
            ("", "http://127.0.0.1:8080", Ok("ws://127.0.0.1:8080/ws/mediasoup")),
            ("", "https://viewer.example", Ok("wss://viewer.example/ws/mediasoup")),
            ("https://vas.example:8443/", "http://x", Ok("wss://vas.example:8443/ws/mediasoup")),
            ("http://vas.example/prefix", "http://x", Ok("ws://vas.example/prefix/ws/mediasoup")),
            ("HTTPS://vas.example", "http://x", Ok("wss://vas.example/ws/mediasoup")),
            ("Http://vas.example/Prefix", "http://x", Ok("ws://vas.example/Prefix/ws/mediasoup")),
            ("", "HTTP://127.0.0.1:8080", Ok("ws://127.0.0.1:8080/ws/mediasoup")),
            ("ftp://vas.example", "http://x", Err(())),
            ("http://", "http://x", Err(())),
        ];
        for (base, origin, expect) in cases {
            assert_eq!(
                websocket_url(base, origin).map_err(|_| ()),
                expect.map(str::to_owned),
                "{base}"
            );
        }
    }
}
