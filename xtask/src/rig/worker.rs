//! Builds the MediaSoup worker from the `mediasoup` npm package, without downloads, and caches it.
//!
//! The package ships the worker's C++ source (`worker/`), but its meson build
//! fetches every dependency through wrap files. This build:
//! - installs Debian's libuv, libsrtp 2, abseil and flatbuffers (as root);
//! - builds OpenSSL 3.0.8 static from the source carried by the crates.io
//!   crate `openssl-src` (=300.0.13), the version mediasoup itself pins
//!   (linked against Debian's 3.0.19 the worker crashed in the DTLS handshake);
//! - copies `worker/` out of `node_modules`, replaces the wraps with the local
//!   stand-ins of `xtask/live-rig/worker-stubs/`, and ports `SrtpSession` back
//!   to the libsrtp 2 API (mediasoup's own libsrtp 3 fork is not packaged);
//! - runs meson and ninja from a private Python venv (Debian's meson is too old).
//!
//! Nothing that changes behaviour on the wire is touched. The binary is kept
//! in the cache directory (outside the repository, so fresh clones and CI on
//! the same machine reuse it), keyed by everything that goes into it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{anyhow, bail};

use super::{cache_dir, npm_ci, rig_dir};
use crate::{run, Result};

/// The mediasoup release whose worker is built; must match `live-rig/package.json`.
pub const MEDIASOUP_VERSION: &str = "3.27.1";
const MESON: &str = "meson==1.6.1";
const NINJA: &str = "ninja==1.11.1.3";
/// Debian packages the build needs.
const DEBIAN_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libuv1-dev",
    "libsrtp2-dev",
    "libabsl-dev",
    "flatbuffers-compiler",
    "libflatbuffers-dev",
];
/// Bumped whenever the port below changes, so a stale cached binary is rebuilt.
const PORT_REVISION: u32 = 1;

/// Where the worker binary for the current sources is (or will be) cached.
pub fn cached_path() -> Result<PathBuf> {
    Ok(cache_dir().join(format!("mediasoup-worker-{MEDIASOUP_VERSION}-{:016x}", build_key()?)))
}

/// The cached worker binary, built first if it is missing.
pub fn ensure_worker() -> Result<PathBuf> {
    let bin = cached_path()?;
    if bin.is_file() {
        return Ok(bin);
    }
    println!("== building the MediaSoup worker {MEDIASOUP_VERSION} (first run only: about 7 to 15 minutes on 2 cores)");
    let started = Instant::now();
    ensure_debian_packages(DEBIAN_PACKAGES)?;
    let (meson, ninja) = ensure_build_python()?;
    npm_ci(&rig_dir())?;
    let openssl = ensure_openssl()?;
    let work = cache_dir().join("worker-build");
    let src = work.join("worker");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| anyhow!("{}: {e:#}", work.display()))?;
    let pkg_worker = rig_dir().join("node_modules/mediasoup/worker");
    if !pkg_worker.join("meson.build").is_file() {
        bail!(
            "{} has no meson.build: is mediasoup {MEDIASOUP_VERSION} installed?",
            pkg_worker.display()
        );
    }
    run(Command::new("cp").arg("-a").arg(&pkg_worker).arg(&src))?;
    prepare_sources(&src)?;
    let pkg_config_path = [openssl.join("lib64/pkgconfig"), openssl.join("lib/pkgconfig")]
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(":");
    let build = src.join("out");
    let path_env = format!(
        "{}:{}",
        meson.parent().unwrap_or(Path::new("/")).display(),
        std::env::var("PATH").unwrap_or_default()
    );
    run(Command::new(&meson)
        .args(["setup", "--buildtype=release", "-Db_ndebug=true", "--wrap-mode=nodownload"])
        .arg(&build)
        .arg(&src)
        .env("PKG_CONFIG_PATH", &pkg_config_path)
        .env("PATH", &path_env))?;
    run(Command::new(&ninja)
        .arg("-C")
        .arg(&build)
        .args(["-j", "2", "mediasoup-worker"])
        .env("PATH", &path_env))?;
    let built = build.join("mediasoup-worker");
    let tmp = bin.with_extension("tmp");
    std::fs::copy(&built, &tmp).map_err(|e| anyhow!("{}: {e:#}", built.display()))?;
    std::fs::rename(&tmp, &bin).map_err(|e| anyhow!("{}: {e:#}", bin.display()))?;
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "== MediaSoup worker built in {:.1} min: {}",
        started.elapsed().as_secs_f64() / 60.0,
        bin.display()
    );
    Ok(bin)
}

/// A hash of everything the binary depends on: the version, the stand-ins, the port.
fn build_key() -> Result<u64> {
    let mut h = Fnv::default();
    h.write(MEDIASOUP_VERSION.as_bytes());
    h.write(&PORT_REVISION.to_le_bytes());
    let stubs = rig_dir().join("worker-stubs");
    let mut files = Vec::new();
    collect_files(&stubs, &mut files)?;
    files.sort();
    for f in files {
        h.write(f.strip_prefix(&stubs).unwrap_or(&f).to_string_lossy().as_bytes());
        h.write(&std::fs::read(&f).map_err(|e| anyhow!("{}: {e:#}", f.display()))?);
    }
    Ok(h.0)
}

/// FNV-1a, 64 bit: a stable cache key without another dependency.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result {
    for entry in std::fs::read_dir(dir).map_err(|e| anyhow!("{}: {e:#}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Installs those of `packages` that are missing (apt-get, as root).
pub fn ensure_debian_packages(packages: &[&str]) -> Result {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg-query")
                .args(["-W", "-f=${Status}", p])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .collect();
    crate::setup::apt_install(&missing, "the live rig needs")
}

/// meson >= 1.1 and ninja in a venv of their own (Debian's meson is 1.0).
fn ensure_build_python() -> Result<(PathBuf, PathBuf)> {
    let venv = cache_dir().join("build-venv");
    let (meson, ninja) = (venv.join("bin/meson"), venv.join("bin/ninja"));
    let ok = |bin: &Path, want: &str| {
        Command::new(bin)
            .arg("--version")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).starts_with(want))
    };
    if ok(&meson, "1.6.1") && ok(&ninja, "1.11.1") {
        return Ok((meson, ninja));
    }
    println!("== installing {MESON} and {NINJA} into {}", venv.display());
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(venv.join("bin/pip")).args(["install", "--quiet", MESON, NINJA]))?;
    Ok((meson, ninja))
}

/// OpenSSL 3.0.8, static, from the `openssl-src` crate's source; cached.
fn ensure_openssl() -> Result<PathBuf> {
    let prefix = cache_dir().join("openssl-3.0.8");
    if prefix.join("include/openssl/ssl.h").is_file() {
        return Ok(prefix);
    }
    let source = openssl_src::source_dir();
    let version = std::fs::read_to_string(source.join("VERSION.dat")).unwrap_or_default();
    if !version.contains("PATCH=8") || !version.contains("MINOR=0") {
        bail!("{} is not OpenSSL 3.0.8: {version}", source.display());
    }
    println!("== building OpenSSL 3.0.8 (static) from {}", source.display());
    let build = cache_dir().join("openssl-build");
    let _ = std::fs::remove_dir_all(&build);
    std::fs::create_dir_all(&build)?;
    // The crate's source tree is read-only in cargo's registry: build out of tree.
    run(Command::new("perl")
        .arg(source.join("Configure"))
        .args([
            "linux-x86_64",
            "no-shared",
            "no-dso",
            "no-tests",
            "no-ssl3",
            "no-comp",
            "no-zlib",
            "no-engine",
            "no-legacy",
            "-fPIC",
        ])
        .arg(format!("--prefix={}", prefix.display()))
        .arg(format!("--openssldir={}", prefix.join("ssl").display()))
        .current_dir(&build))?;
    run(Command::new("make").args(["-j2", "build_libs"]).current_dir(&build))?;
    run(Command::new("make").arg("install_dev").current_dir(&build))?;
    let _ = std::fs::remove_dir_all(&build);
    Ok(prefix)
}

/// Replaces the wraps with the local stand-ins and ports SrtpSession to libsrtp 2.
pub fn prepare_sources(src: &Path) -> Result {
    let subprojects = src.join("subprojects");
    for entry in
        std::fs::read_dir(&subprojects).map_err(|e| anyhow!("{}: {e:#}", subprojects.display()))?
    {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wrap") {
            std::fs::remove_file(&path).map_err(|e| anyhow!("{}: {e:#}", path.display()))?;
        }
    }
    let stubs = rig_dir().join("worker-stubs");
    for entry in std::fs::read_dir(&stubs).map_err(|e| anyhow!("{}: {e:#}", stubs.display()))? {
        let path = entry?.path();
        if path.file_name().is_some_and(|n| n == "README.md") {
            continue;
        }
        run(Command::new("cp").arg("-a").arg(&path).arg(&subprojects))?;
    }
    patch(
        &src.join("include/RTC/SrtpSession.hpp"),
        &[Edit::Replace(
            "srtp_stream_remove(this->session, htonl(ssrc));",
            "srtp_remove_stream(this->session, htonl(ssrc));",
        )],
    )?;
    // Two error codes exist in libsrtp 3 only.
    patch(
        &src.join("src/DepLibSRTP.cpp"),
        &[
            Edit::DeleteLineWith("srtp_err_status_buffer_small"),
            Edit::DeleteLineWith("srtp_err_status_cryptex_err"),
        ],
    )?;
    patch(&src.join("src/RTC/SrtpSession.cpp"), &[
        Edit::Replace("#include \"MediaSoupErrors.hpp\"\n", "#include \"MediaSoupErrors.hpp\"\n#include <cstring>\n"),
        Edit::Region {
            from: "SrtpSession::SrtpSession(Type type, CryptoSuite cryptoSuite, uint8_t* key, size_t keyLen)\n",
            to: "\tSrtpSession::~SrtpSession()",
            with: SRTP2_CONSTRUCTOR,
        },
        Edit::Region { from: "\tbool SrtpSession::EncryptRtp(", to: "} // namespace RTC", with: SRTP2_CRYPT },
    ])
}

enum Edit {
    Replace(&'static str, &'static str),
    DeleteLineWith(&'static str),
    /// Replaces the text from `from` (included) up to `to` (excluded).
    Region {
        from: &'static str,
        to: &'static str,
        with: &'static str,
    },
}

/// Applies edits that must each match exactly once; anything else is an error
/// naming the file, so a new mediasoup release cannot be half-patched silently.
fn patch(file: &Path, edits: &[Edit]) -> Result {
    let mut text =
        std::fs::read_to_string(file).map_err(|e| anyhow!("{}: {e:#}", file.display()))?;
    let fail = |what: &str| {
        anyhow!("patching {}: {what} (mediasoup {MEDIASOUP_VERSION} expected)", file.display())
    };
    for edit in edits {
        match edit {
            Edit::Replace(old, new) => {
                if text.matches(old).count() != 1 {
                    return Err(fail(&format!("{old:?} not found exactly once")));
                }
                text = text.replacen(old, new, 1);
            }
            Edit::DeleteLineWith(needle) => {
                let before = text.lines().count();
                text = text
                    .lines()
                    .filter(|l| !l.contains(needle))
                    .map(|l| format!("{l}\n"))
                    .collect();
                if text.lines().count() + 1 != before {
                    return Err(fail(&format!("no single line with {needle:?}")));
                }
            }
            Edit::Region { from, to, with } => {
                let start = text.find(from).ok_or_else(|| fail(&format!("{from:?} not found")))?;
                let end = text[start..]
                    .find(to)
                    .map(|i| start + i)
                    .ok_or_else(|| fail(&format!("{to:?} not found")))?;
                text.replace_range(start..end, with);
            }
        }
    }
    std::fs::write(file, text).map_err(|e| anyhow!("{}: {e:#}", file.display()))
}

/// The constructor on the libsrtp 2 API: a `srtp_policy_t` filled in place
/// (as mediasoup 3.13 and older did) instead of libsrtp 3's policy builder.
const SRTP2_CONSTRUCTOR: &str = r#"SrtpSession::SrtpSession(Type type, CryptoSuite cryptoSuite, uint8_t* key, size_t keyLen)
	{
		MS_TRACE();

		// Ported to the libsrtp 2 API by the VAS viewer's test rig (libsrtp 3 is
		// not packaged); same crypto suites, keys and replay settings.
		srtp_policy_t policy; // NOLINT(cppcoreguidelines-pro-type-member-init)

		std::memset(std::addressof(policy), 0, sizeof(srtp_policy_t));

		switch (cryptoSuite)
		{
			case CryptoSuite::AEAD_AES_256_GCM:
			{
				srtp_crypto_policy_set_aes_gcm_256_16_auth(std::addressof(policy.rtp));
				srtp_crypto_policy_set_aes_gcm_256_16_auth(std::addressof(policy.rtcp));

				break;
			}

			case CryptoSuite::AEAD_AES_128_GCM:
			{
				srtp_crypto_policy_set_aes_gcm_128_16_auth(std::addressof(policy.rtp));
				srtp_crypto_policy_set_aes_gcm_128_16_auth(std::addressof(policy.rtcp));

				break;
			}

			case CryptoSuite::AES_CM_128_HMAC_SHA1_80:
			{
				srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(std::addressof(policy.rtp));
				srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(std::addressof(policy.rtcp));

				break;
			}

			case CryptoSuite::AES_CM_128_HMAC_SHA1_32:
			{
				srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(std::addressof(policy.rtp));
				// RTCP always carries an 80 bit tag with this suite.
				srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(std::addressof(policy.rtcp));

				break;
			}

			default:
			{
				MS_ABORT("unknown SRTP crypto suite");
			}
		}

		MS_ASSERT(
		  static_cast<int>(keyLen) == policy.rtp.cipher_key_len,
		  "given keyLen does not match policy.rtp.cipher_key_len");

		switch (type)
		{
			case Type::INBOUND:
			{
				policy.ssrc.type = ssrc_any_inbound;

				break;
			}

			case Type::OUTBOUND:
			{
				policy.ssrc.type = ssrc_any_outbound;

				break;
			}
		}

		policy.ssrc.value = 0;
		policy.key        = key;
		// Required for sending RTP retransmission without RTX.
		policy.allow_repeat_tx = 1;
		policy.window_size     = 1024;
		policy.next            = nullptr;

		const srtp_err_status_t err = srtp_create(std::addressof(this->session), std::addressof(policy));

		if (DepLibSRTP::IsError(err))
		{
			MS_THROW_ERROR("srtp_create() failed: %s", DepLibSRTP::GetErrorString(err).c_str());
		}
	}

"#;

/// Protect and unprotect on the libsrtp 2 API: in place with an `int` length;
/// outgoing packets are copied into the encrypt buffer first, as before.
const SRTP2_CRYPT: &str = r#"	bool SrtpSession::EncryptRtp(const uint8_t** data, size_t* len)
	{
		MS_TRACE();

		if (*len + SRTP_MAX_TRAILER_LEN > EncryptBufferSize)
		{
			MS_WARN_TAG(srtp, "cannot encrypt RTP packet, size too big (%zu bytes)", *len);

			return false;
		}

		std::memcpy(EncryptBuffer, *data, *len);

		int encryptLen = static_cast<int>(*len);

		const srtp_err_status_t err =
		  srtp_protect(this->session, static_cast<void*>(EncryptBuffer), std::addressof(encryptLen));

		if (DepLibSRTP::IsError(err))
		{
			MS_WARN_TAG(srtp, "srtp_protect() failed: %s", DepLibSRTP::GetErrorString(err).c_str());

			return false;
		}

		*data = const_cast<const uint8_t*>(EncryptBuffer);
		*len  = static_cast<size_t>(encryptLen);

		return true;
	}

	bool SrtpSession::DecryptSrtp(uint8_t* data, size_t* len)
	{
		MS_TRACE();

		int decryptLen = static_cast<int>(*len);

		const srtp_err_status_t err =
		  srtp_unprotect(this->session, static_cast<void*>(data), std::addressof(decryptLen));

		if (DepLibSRTP::IsError(err))
		{
			MS_DEBUG_TAG(srtp, "srtp_unprotect() failed: %s", DepLibSRTP::GetErrorString(err).c_str());

			return false;
		}

		*len = static_cast<size_t>(decryptLen);

		return true;
	}

	bool SrtpSession::EncryptRtcp(const uint8_t** data, size_t* len)
	{
		MS_TRACE();

		// srtp_protect_rtcp() may write SRTP_MAX_TRAILER_LEN + 4 bytes past the packet.
		if (*len + SRTP_MAX_TRAILER_LEN + 4 > EncryptBufferSize)
		{
			MS_WARN_TAG(srtp, "cannot encrypt RTCP packet, size too big (%zu bytes)", *len);

			return false;
		}

		std::memcpy(EncryptBuffer, *data, *len);

		int encryptLen = static_cast<int>(*len);

		const srtp_err_status_t err =
		  srtp_protect_rtcp(this->session, static_cast<void*>(EncryptBuffer), std::addressof(encryptLen));

		if (DepLibSRTP::IsError(err))
		{
			MS_WARN_TAG(srtp, "srtp_protect_rtcp() failed: %s", DepLibSRTP::GetErrorString(err).c_str());

			return false;
		}

		*data = const_cast<const uint8_t*>(EncryptBuffer);
		*len  = static_cast<size_t>(encryptLen);

		return true;
	}

	bool SrtpSession::DecryptSrtcp(uint8_t* data, size_t* len)
	{
		MS_TRACE();

		int decryptLen = static_cast<int>(*len);

		const srtp_err_status_t err =
		  srtp_unprotect_rtcp(this->session, static_cast<void*>(data), std::addressof(decryptLen));

		if (DepLibSRTP::IsError(err))
		{
			MS_DEBUG_TAG(srtp, "srtp_unprotect_rtcp() failed: %s", DepLibSRTP::GetErrorString(err).c_str());

			return false;
		}

		*len = static_cast<size_t>(decryptLen);

		return true;
	}
"#;
