//! Command-line flags, validated once into the server's configuration; every mistake has a message that says what to do.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::http::HeaderValue;
use clap::Parser;
use reqwest::Url;

use crate::host_guard::HostNames;
use crate::listener::ConnectionLimits;

/// The environment variable that holds VAS's API key.
pub const API_KEY_ENV: &str = "VAS_API_KEY";
/// The environment variable that may give `--cache-period-ms`.
pub const CACHE_PERIOD_ENV: &str = "VAS_VIEWER_CACHE_PERIOD_MS";
/// The environment variable that may give `--cache-max-mb`.
pub const CACHE_MAX_ENV: &str = "VAS_VIEWER_CACHE_MAX_MB";

/// Serves the built VAS overlay viewer beside VAS on one origin: the viewer's
/// files, VAS's read API (only the paths the viewer uses, with VAS's key
/// added here and camera credentials removed) and VAS's live signaling
/// socket. VAS's key is read from VAS_API_KEY or --api-key-file and never
/// reaches a browser.
#[derive(Parser, Debug)]
#[command(name = "vas-viewer-server", version)]
pub struct Flags {
    /// The built viewer (`dist/` of `cargo xtask build`).
    #[arg(long, value_name = "DIR")]
    pub dist: PathBuf,
    /// VAS's backend, e.g. http://127.0.0.1:8000 (its API and /ws/mediasoup).
    #[arg(long, value_name = "URL")]
    pub vas: String,
    /// Where to listen. Loopback unless another address is given here.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// A host name browsers use to reach this server (checked against `Host`
    /// and `Origin`); repeat for several. Default on loopback: localhost,
    /// 127.0.0.1 and [::1]. Required on any other address.
    #[arg(long = "server-name", value_name = "NAME")]
    pub server_names: Vec<String>,
    /// A file holding VAS's API key (instead of the VAS_API_KEY variable).
    #[arg(long, value_name = "FILE")]
    pub api_key_file: Option<PathBuf>,
    /// TLS certificate chain (PEM); serves HTTPS and WSS with --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Connections open at once.
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub max_connections: u32,
    /// Requests to VAS in flight at once (more wait, then answer 503).
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_upstream_requests: u32,
    /// Relayed signaling sessions at once.
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub max_signaling_sessions: u32,
    /// Seconds VAS may take to start an answer (and each read of its body).
    #[arg(long, value_name = "SECS", default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub upstream_timeout: u64,
    /// Milliseconds of the API answer cache's wall-clock grid: identical API
    /// requests (same path and query) in one cell are sent to VAS once and
    /// answered from that one answer until the cell ends. The default is
    /// the viewer's live poll period (250 ms), so the viewers of one camera
    /// cost VAS one event request per period. 0 turns the cache and the
    /// sharing off (every request goes to VAS). Segments are never kept.
    #[arg(long, value_name = "MS", env = CACHE_PERIOD_ENV, default_value_t = 250, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub cache_period_ms: u64,
    /// MiB of API answers the cache keeps at most (one answer at most 8 MiB;
    /// a longer one is relayed, never kept).
    #[arg(long, value_name = "MIB", env = CACHE_MAX_ENV, default_value_t = 64, value_parser = clap::value_parser!(u64).range(1..=16_384))]
    pub cache_max_mb: u64,
    /// Ask VAS once with the key, report, and exit (0 when VAS answered).
    #[arg(long)]
    pub check: bool,
}

/// The validated configuration.
#[derive(Debug)]
pub struct ServerConfig {
    pub dist: PathBuf,
    pub vas: Url,
    pub listen: SocketAddr,
    pub hosts: HostNames,
    /// Marked sensitive: `Debug` shows `Sensitive`, never the key.
    pub api_key: Option<HeaderValue>,
    pub tls: Option<(PathBuf, PathBuf)>,
    pub limits: ConnectionLimits,
    pub max_upstream_requests: usize,
    pub max_signaling_sessions: usize,
    pub upstream_timeout: Duration,
    /// The API answer cache's grid period; 0: no cache, no sharing.
    pub cache_period_ms: u64,
    /// The API answer cache's bound on kept answers.
    pub cache_max_bytes: u64,
}

/// A configuration mistake, said so that it can be fixed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("--dist {0}: no index.html there (build the viewer first: cargo xtask build)")]
    NoViewer(String),
    #[error("--vas {0}: not a URL ({1})")]
    VasNotUrl(String, String),
    #[error("--vas must be an http:// or https:// URL, not {0}")]
    VasScheme(String),
    #[error("--vas must not carry credentials (user:password@); give VAS's key in {API_KEY_ENV} or --api-key-file")]
    VasCredentials,
    #[error("--vas must not carry a query or fragment")]
    VasQuery,
    #[error("--server-name is required when listening on {0}, a non-loopback address: name the host browsers use")]
    ServerNameNeeded(SocketAddr),
    #[error("--server-name {0}: not a host name")]
    BadServerName(String),
    #[error("VAS's key is given twice: in {API_KEY_ENV} and in --api-key-file; keep one")]
    KeyTwice,
    #[error("--api-key-file {0}: {1}")]
    KeyFile(String, String),
    #[error("VAS's key (from {0}) is empty or holds spaces or control characters")]
    BadKey(&'static str),
}

impl ServerConfig {
    /// Validates the flags; `env_key` is the value of [`API_KEY_ENV`], if set.
    pub fn from_flags(flags: &Flags, env_key: Option<String>) -> Result<ServerConfig, ConfigError> {
        if !flags.dist.join("index.html").is_file() {
            return Err(ConfigError::NoViewer(flags.dist.display().to_string()));
        }
        let vas = parse_vas(&flags.vas)?;
        let hosts = host_names(flags)?;
        let api_key = api_key(env_key, flags.api_key_file.as_deref())?;
        Ok(ServerConfig {
            dist: flags.dist.clone(),
            vas,
            listen: flags.listen,
            hosts,
            api_key,
            tls: flags.tls_cert.clone().zip(flags.tls_key.clone()),
            limits: ConnectionLimits {
                max_connections: flags.max_connections as usize,
                ..ConnectionLimits::default()
            },
            max_upstream_requests: flags.max_upstream_requests as usize,
            max_signaling_sessions: flags.max_signaling_sessions as usize,
            upstream_timeout: Duration::from_secs(flags.upstream_timeout),
            cache_period_ms: flags.cache_period_ms,
            cache_max_bytes: flags.cache_max_mb * 1024 * 1024,
        })
    }

    /// `ws(s)://.../ws/mediasoup` of VAS.
    pub fn signaling_url(&self) -> String {
        let mut url = self.vas.clone();
        let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
        let path = format!("{}/ws/mediasoup", url.path().trim_end_matches('/'));
        url.set_path(&path);
        // http(s) -> ws(s) keeps every other part of the URL as it is.
        format!("{scheme}{}", &url.as_str()[url.scheme().len()..])
    }
}

fn parse_vas(text: &str) -> Result<Url, ConfigError> {
    let url =
        Url::parse(text).map_err(|e| ConfigError::VasNotUrl(text.to_owned(), e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ConfigError::VasScheme(text.to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::VasCredentials);
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::VasQuery);
    }
    Ok(url)
}

fn host_names(flags: &Flags) -> Result<HostNames, ConfigError> {
    if flags.server_names.is_empty() {
        if !flags.listen.ip().is_loopback() {
            return Err(ConfigError::ServerNameNeeded(flags.listen));
        }
        return Ok(HostNames::new(["localhost", "127.0.0.1", "[::1]"].map(String::from)));
    }
    for name in &flags.server_names {
        if crate::host_guard::host_name(name).as_deref() != Some(name.to_ascii_lowercase().as_str())
        {
            return Err(ConfigError::BadServerName(name.clone()));
        }
    }
    Ok(HostNames::new(flags.server_names.iter().cloned()))
}

fn api_key(
    env_key: Option<String>,
    file: Option<&Path>,
) -> Result<Option<HeaderValue>, ConfigError> {
    let env_key = env_key.filter(|k| !k.is_empty());
    let (key, source) = match (env_key, file) {
        (Some(_), Some(_)) => return Err(ConfigError::KeyTwice),
        (Some(k), None) => (k, API_KEY_ENV),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError::KeyFile(path.display().to_string(), e.to_string()))?;
            (text.trim_end_matches(['\n', '\r']).to_owned(), "--api-key-file")
        }
        (None, None) => return Ok(None),
    };
    if key.is_empty() || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ConfigError::BadKey(source));
    }
    let mut value = HeaderValue::from_str(&key).map_err(|_| ConfigError::BadKey(source))?;
    value.set_sensitive(true);
    Ok(Some(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(args: &[&str]) -> Flags {
        let dist =
            std::env::temp_dir().join(format!("vas-viewer-server-config-{}", std::process::id()));
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join("index.html"), "<html></html>").unwrap();
        let mut all = vec!["vas-viewer-server", "--dist", dist.to_str().unwrap()];
        all.extend_from_slice(args);
        Flags::try_parse_from(all).unwrap()
    }

    #[test]
    fn defaults_bind_loopback_and_accept_local_names() {
        let c =
            ServerConfig::from_flags(&flags(&["--vas", "http://127.0.0.1:8000"]), None).unwrap();
        assert!(c.listen.ip().is_loopback());
        assert!(
            c.hosts.accepts("localhost:8080")
                && c.hosts.accepts("127.0.0.1:8080")
                && c.hosts.accepts("[::1]:8080")
        );
        assert_eq!(c.signaling_url(), "ws://127.0.0.1:8000/ws/mediasoup");
        assert!(c.api_key.is_none());
        if std::env::var_os(CACHE_PERIOD_ENV).is_none() && std::env::var_os(CACHE_MAX_ENV).is_none()
        {
            assert_eq!((c.cache_period_ms, c.cache_max_bytes), (250, 64 * 1024 * 1024));
        }
    }

    #[test]
    fn the_cache_can_be_tuned_or_turned_off() {
        let c = ServerConfig::from_flags(
            &flags(&["--vas", "http://vas", "--cache-period-ms", "0", "--cache-max-mb", "8"]),
            None,
        )
        .unwrap();
        assert_eq!((c.cache_period_ms, c.cache_max_bytes), (0, 8 * 1024 * 1024));
        assert!(Flags::try_parse_from([
            "vas-viewer-server",
            "--dist",
            "d",
            "--vas",
            "http://v",
            "--cache-period-ms",
            "-1"
        ])
        .is_err());
        assert!(Flags::try_parse_from([
            "vas-viewer-server",
            "--dist",
            "d",
            "--vas",
            "http://v",
            "--cache-max-mb",
            "0"
        ])
        .is_err());
    }

    #[test]
    fn signaling_follows_the_scheme_and_prefix() {
        let c =
            ServerConfig::from_flags(&flags(&["--vas", "https://vas.example:8443/prefix/"]), None)
                .unwrap();
        assert_eq!(c.signaling_url(), "wss://vas.example:8443/prefix/ws/mediasoup");
    }

    #[test]
    fn mistakes_are_named() {
        let rows: Vec<(Vec<&str>, Option<&str>, ConfigError)> = vec![
            (vec!["--vas", "vas:8000"], None, ConfigError::VasScheme("vas:8000".into())),
            (vec!["--vas", "ftp://vas"], None, ConfigError::VasScheme("ftp://vas".into())),
            (vec!["--vas", "http://u:p@vas"], None, ConfigError::VasCredentials),
            (vec!["--vas", "http://vas/?a=b"], None, ConfigError::VasQuery),
            (
                vec!["--vas", "http://vas", "--listen", "0.0.0.0:8080"],
                None,
                ConfigError::ServerNameNeeded("0.0.0.0:8080".parse().unwrap()),
            ),
            (
                vec!["--vas", "http://vas", "--server-name", "a/b"],
                None,
                ConfigError::BadServerName("a/b".into()),
            ),
            (vec!["--vas", "http://vas"], Some("two words"), ConfigError::BadKey(API_KEY_ENV)),
        ];
        for (args, key, expected) in rows {
            let got = ServerConfig::from_flags(&flags(&args), key.map(String::from)).unwrap_err();
            assert_eq!(got, expected, "{args:?}");
        }
        let missing = Flags::try_parse_from([
            "vas-viewer-server",
            "--dist",
            "/nonexistent",
            "--vas",
            "http://vas",
        ])
        .unwrap();
        assert!(matches!(ServerConfig::from_flags(&missing, None), Err(ConfigError::NoViewer(_))));
        assert!(Flags::try_parse_from([
            "vas-viewer-server",
            "--dist",
            "d",
            "--vas",
            "http://v",
            "--tls-cert",
            "c"
        ])
        .is_err());
    }

    #[test]
    fn the_key_is_sensitive_and_given_once() {
        let c =
            ServerConfig::from_flags(&flags(&["--vas", "http://vas"]), Some("k3y".into())).unwrap();
        let key = c.api_key.as_ref().unwrap();
        assert!(key.is_sensitive());
        assert!(!format!("{c:?}").contains("k3y"));
        let file = std::env::temp_dir().join(format!("vas-key-{}", std::process::id()));
        std::fs::write(&file, "from-file\n").unwrap();
        let f = file.to_str().unwrap();
        let c =
            ServerConfig::from_flags(&flags(&["--vas", "http://vas", "--api-key-file", f]), None)
                .unwrap();
        assert_eq!(c.api_key.unwrap().to_str().unwrap(), "from-file");
        assert_eq!(
            ServerConfig::from_flags(
                &flags(&["--vas", "http://vas", "--api-key-file", f]),
                Some("k".into())
            )
            .unwrap_err(),
            ConfigError::KeyTwice
        );
    }
}
