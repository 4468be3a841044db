//! Writes brotli (`.br`) and gzip (`.gz`) siblings of the built viewer's scripts and wasm, which the production server sends to browsers that accept them.

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Context};

use crate::Result;

/// Extensions worth compressing (the page, scripts, wasm, styles, JSON).
const COMPRESSED: [&str; 6] = ["wasm", "js", "mjs", "html", "css", "json"];

/// Compresses every matching file under `dir` (subfolders included) and
/// returns (files, raw bytes, brotli bytes). Old siblings are replaced.
pub fn precompress(dir: &Path) -> Result<(usize, u64, u64)> {
    let mut totals = (0, 0, 0);
    for entry in std::fs::read_dir(dir).map_err(|e| anyhow!("{}: {e:#}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            let (n, raw, br) = precompress(&path)?;
            totals = (totals.0 + n, totals.1 + raw, totals.2 + br);
            continue;
        }
        let wanted =
            path.extension().and_then(|e| e.to_str()).is_some_and(|e| COMPRESSED.contains(&e));
        // `index.html` changes its policy after every build step; it is small and never cached.
        if !wanted || path.file_name().is_some_and(|n| n == "index.html") {
            continue;
        }
        let bytes = std::fs::read(&path).map_err(|e| anyhow!("{}: {e:#}", path.display()))?;
        let br = brotli_bytes(&bytes)?;
        let gz = gzip_bytes(&bytes)?;
        write_sibling(&path, "br", &br)?;
        write_sibling(&path, "gz", &gz)?;
        totals = (totals.0 + 1, totals.1 + bytes.len() as u64, totals.2 + br.len() as u64);
    }
    Ok(totals)
}

fn write_sibling(path: &Path, ext: &str, bytes: &[u8]) -> Result {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{ext}"));
    std::fs::write(&name, bytes).map_err(|e| anyhow!("{}: {e:#}", Path::new(&name).display()))
}

fn brotli_bytes(input: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        // Quality 11 (the smallest), window 2^22: what static hosting uses for build-time compression.
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        writer.write_all(input).context("brotli")?;
    }
    Ok(out)
}

fn gzip_bytes(input: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(input).context("gzip")?;
    encoder.finish().context("gzip")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn siblings_decompress_to_the_original_and_only_wanted_files_get_them() {
        let dir = std::env::temp_dir().join(format!("precompress-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("js")).unwrap();
        let text = "export const x = 1;\n".repeat(500);
        std::fs::write(dir.join("js/a.mjs"), &text).unwrap();
        std::fs::write(dir.join("clip.mp4"), b"not compressed").unwrap();
        std::fs::write(dir.join("index.html"), b"<html></html>").unwrap();
        let (n, raw, br) = precompress(&dir).unwrap();
        assert_eq!((n, raw), (1, text.len() as u64));
        assert!(br < raw / 10);
        let mut back = String::new();
        brotli::Decompressor::new(std::fs::File::open(dir.join("js/a.mjs.br")).unwrap(), 4096)
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
        back.clear();
        flate2::read::GzDecoder::new(std::fs::File::open(dir.join("js/a.mjs.gz")).unwrap())
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, text);
        assert!(!dir.join("clip.mp4.br").exists() && !dir.join("index.html.br").exists());
        let _ = std::fs::remove_dir_all(dir);
    }
}
