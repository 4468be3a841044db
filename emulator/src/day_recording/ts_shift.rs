//! Demo backend, day camera: shifts the timestamps of an MPEG-TS segment in place.
//!
//! A walker over 188-byte transport packets that moves every PCR (adaptation
//! field), OPCR, PTS and DTS (PES headers) by the same amount, modulo 2^33
//! ticks of 90 kHz, and touches no other byte: the segment stays the file
//! FFmpeg wrote, only its clock moves. PES packets are recognised by their
//! start code in a packet that starts a payload unit, on a PID above the
//! reserved range (PSI sections cannot start with `00 00 01`: their
//! `section_syntax_indicator` byte has its top bit set).
//!
//! Not the `mpeg2ts` crate: it decodes and re-encodes whole packets, and its
//! output differs from its input beyond the timestamps (on the demo's
//! segment-1767618000.ts, 192 of 516 packets: the SDT's
//! payload_unit_start_indicator cleared, PAT and PMT re-laid out with
//! adaptation-field stuffing).

/// Size of a transport packet.
pub const PACKET: usize = 188;
/// PTS, DTS and PCR bases wrap at 2^33 ticks.
pub const WRAP: u64 = 1 << 33;

/// What a walk found (for checks).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Walked {
    pub packets: usize,
    pub pcrs: usize,
    pub ptss: usize,
    pub dtss: usize,
    /// The first PTS of the segment (of any PES stream), before the shift.
    pub first_pts: Option<u64>,
}

/// Reads a 33-bit PES timestamp (5 bytes with marker bits).
fn read_timestamp(b: &[u8]) -> Result<u64, String> {
    if b.len() < 5 {
        return Err("PES timestamp cut short".into());
    }
    if b[0] & 1 != 1 || b[2] & 1 != 1 || b[4] & 1 != 1 {
        return Err("PES timestamp without its marker bits".into());
    }
    let (b0, b1, b2, b3, b4) =
        (u64::from(b[0]), u64::from(b[1]), u64::from(b[2]), u64::from(b[3]), u64::from(b[4]));
    Ok(((b0 >> 1) & 0x07) << 30 | b1 << 22 | (b2 >> 1) << 15 | b3 << 7 | b4 >> 1)
}

/// Writes a 33-bit PES timestamp, keeping the 4-bit prefix and the marker bits.
fn write_timestamp(b: &mut [u8], ts: u64) {
    let ts = ts % WRAP;
    b[0] = (b[0] & 0xF0) | (((ts >> 30) & 0x07) as u8) << 1 | 1;
    b[1] = (ts >> 22) as u8;
    b[2] = (((ts >> 15) & 0x7F) as u8) << 1 | 1;
    b[3] = (ts >> 7) as u8;
    b[4] = ((ts & 0x7F) as u8) << 1 | 1;
}

/// Reads the 33-bit base of a program clock reference (6 bytes).
fn read_pcr_base(b: &[u8]) -> u64 {
    u64::from(b[0]) << 25
        | u64::from(b[1]) << 17
        | u64::from(b[2]) << 9
        | u64::from(b[3]) << 1
        | u64::from(b[4]) >> 7
}

/// Writes the 33-bit base of a clock reference; the reserved bits and the
/// 9-bit extension (27 MHz remainder) are kept.
fn write_pcr_base(b: &mut [u8], base: u64) {
    let base = base % WRAP;
    b[0] = (base >> 25) as u8;
    b[1] = (base >> 17) as u8;
    b[2] = (base >> 9) as u8;
    b[3] = (base >> 1) as u8;
    b[4] = (b[4] & 0x7F) | ((base & 1) as u8) << 7;
}

/// Stream ids whose PES packets have no optional header (and so no PTS).
fn has_optional_header(stream_id: u8) -> bool {
    !matches!(stream_id, 0xBC | 0xBE | 0xBF | 0xF0 | 0xF1 | 0xF2 | 0xF8 | 0xFF)
}

/// Adds `delta` (modulo 2^33) to every PCR, OPCR, PTS and DTS of `ts`;
/// `delta` 0 only reads. Errors name the packet; `ts` is then partly shifted.
pub fn shift(ts: &mut [u8], delta: u64) -> Result<Walked, String> {
    let delta = delta % WRAP;
    if !ts.len().is_multiple_of(PACKET) {
        return Err(format!("{} bytes is not a whole number of {PACKET}-byte packets", ts.len()));
    }
    let mut walked = Walked::default();
    for (n, p) in ts.chunks_exact_mut(PACKET).enumerate() {
        let at = |what: &str| format!("packet {n}: {what}");
        if p[0] != 0x47 {
            return Err(at("no sync byte"));
        }
        walked.packets += 1;
        let unit_start = p[1] & 0x40 != 0;
        let pid = u16::from(p[1] & 0x1F) << 8 | u16::from(p[2]);
        let control = (p[3] >> 4) & 0x03;
        let mut payload = 4;
        if control & 0x02 != 0 {
            let len = usize::from(p[4]);
            if 5 + len > PACKET {
                return Err(at("adaptation field longer than the packet"));
            }
            if len > 0 {
                let flags = p[5];
                let mut field = 6;
                for present in [flags & 0x10 != 0, flags & 0x08 != 0] {
                    // PCR, then OPCR: 6 bytes each.
                    if present {
                        if field + 6 > 5 + len {
                            return Err(at("clock reference past the adaptation field"));
                        }
                        let base = read_pcr_base(&p[field..field + 6]);
                        write_pcr_base(&mut p[field..field + 6], base + delta);
                        walked.pcrs += 1;
                        field += 6;
                    }
                }
            }
            payload = 5 + len;
        }
        let is_pes = control & 0x01 != 0
            && unit_start
            && pid > 0x1F
            && p.len() >= payload + 4
            && p[payload..payload + 3] == [0, 0, 1];
        if !is_pes || !has_optional_header(p[payload + 3]) {
            continue;
        }
        let pes = &mut p[payload..];
        if pes.len() < 9 {
            return Err(at("PES header cut short"));
        }
        if pes[6] & 0xC0 != 0x80 {
            return Err(at("PES optional header without its '10' marker"));
        }
        let flags = pes[7] >> 6;
        if pes[7] & 0x20 != 0 {
            return Err(at("PES header with an ESCR (not written by FFmpeg; not shifted here)"));
        }
        let header_len = usize::from(pes[8]);
        let needed = match flags {
            0b10 => 5,
            0b11 => 10,
            0b00 => 0,
            _ => return Err(at("PES header with a DTS but no PTS")),
        };
        if header_len < needed || pes.len() < 9 + needed {
            return Err(at("PES timestamps past the header"));
        }
        if flags & 0b10 != 0 {
            let pts = read_timestamp(&pes[9..14]).map_err(|e| at(&e))?;
            walked.first_pts.get_or_insert(pts);
            write_timestamp(&mut pes[9..14], pts + delta);
            walked.ptss += 1;
        }
        if flags == 0b11 {
            let dts = read_timestamp(&pes[14..19]).map_err(|e| at(&e))?;
            write_timestamp(&mut pes[14..19], dts + delta);
            walked.dtss += 1;
        }
    }
    Ok(walked)
}

/// Reads `ts` without changing it (a shift by 0 on a copy would do the same).
pub fn walk(ts: &[u8]) -> Result<Walked, String> {
    let mut copy = ts.to_vec();
    shift(&mut copy, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn demo(name: &str) -> Vec<u8> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../static/demo/recording")
            .join(name);
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    #[test]
    fn timestamp_fields_round_trip_with_their_markers() {
        let mut b = [0x31, 0, 0, 0, 0];
        for ts in [0, 1, 126_000, WRAP - 1, 0x1_5555_5555, 0x0_AAAA_AAAA] {
            write_timestamp(&mut b, ts);
            assert_eq!(b[0] >> 4, 0x3, "prefix kept");
            assert_eq!(read_timestamp(&b), Ok(ts));
        }
        write_timestamp(&mut b, WRAP + 5);
        assert_eq!(read_timestamp(&b), Ok(5), "modulo 2^33");
        b[2] &= 0xFE;
        assert!(read_timestamp(&b).is_err(), "a missing marker bit is refused");
        let mut pcr = [0, 0, 0, 0, 0x7E | 0x01, 0x2A];
        for base in [0, 1, 123_456, WRAP - 1] {
            write_pcr_base(&mut pcr, base);
            assert_eq!(read_pcr_base(&pcr), base);
            assert_eq!((pcr[4] & 0x7F, pcr[5]), (0x7F, 0x2A), "reserved bits and extension kept");
        }
    }

    #[test]
    fn shift_moves_only_the_clocks() {
        let original = demo("segment-1767618000.ts");
        let before = walk(&original).unwrap();
        assert_eq!(before.first_pts, Some(126_000));
        // Baseline H.264: FFmpeg writes a PTS only (DTS equal); see the synthetic test for DTS.
        assert!(before.pcrs > 0 && before.ptss == 180 && before.dtss == 0, "{before:?}");
        let mut moved = original.clone();
        let delta = 7_200 * 540_000;
        let after = shift(&mut moved, delta).unwrap();
        assert_eq!((after.pcrs, after.ptss, after.dtss), (before.pcrs, before.ptss, before.dtss));
        assert_eq!(walk(&moved).unwrap().first_pts, Some(126_000 + delta));
        // Back by the complement (mod 2^33): the original bytes exactly.
        shift(&mut moved, WRAP - delta).unwrap();
        assert_eq!(moved, original);
        // Bytes other than timestamps never change: count the differing bytes.
        let mut once = original.clone();
        shift(&mut once, 1).unwrap();
        let differing = once.iter().zip(&original).filter(|(a, b)| a != b).count();
        assert!(
            differing > 0 && differing <= 5 * (before.ptss + before.dtss) + 6 * before.pcrs,
            "{differing}"
        );
    }

    /// A packet with PCR, OPCR, PTS and DTS: all four move, nothing else does.
    #[test]
    fn synthetic_packet_with_every_clock() {
        let mut p = vec![0x47, 0x41, 0x00, 0x30, 13, 0x18];
        p.extend_from_slice(&[0; 12]);
        write_pcr_base(&mut p[6..12], 1_000);
        write_pcr_base(&mut p[12..18], 2_000);
        p.extend_from_slice(&[
            0, 0, 1, 0xE0, 0, 0, 0x80, 0xC0, 10, 0x31, 0, 1, 0, 1, 0x11, 0, 1, 0, 1,
        ]);
        write_timestamp(&mut p[27..32], 9_000);
        write_timestamp(&mut p[32..37], WRAP - 1);
        p.resize(PACKET, 0xAB);
        let original = p.clone();
        let walked = shift(&mut p, 90_000).unwrap();
        assert_eq!(
            (walked.pcrs, walked.ptss, walked.dtss, walked.first_pts),
            (2, 1, 1, Some(9_000))
        );
        assert_eq!(read_pcr_base(&p[6..12]), 91_000);
        assert_eq!(read_pcr_base(&p[12..18]), 92_000);
        assert_eq!(read_timestamp(&p[27..32]), Ok(99_000));
        assert_eq!(read_timestamp(&p[32..37]), Ok(89_999), "DTS wrapped");
        assert_eq!((p[27] >> 4, p[32] >> 4), (0x3, 0x1), "PTS and DTS prefixes kept");
        assert_eq!(p[37..], original[37..]);
        assert_eq!(p[..6], original[..6]);
        // A DTS flag without a PTS is refused.
        p[25] = 0x40;
        assert!(shift(&mut p, 0).unwrap_err().contains("DTS but no PTS"));
    }

    #[test]
    fn shift_wraps_at_33_bits() {
        let mut moved = demo("segment-1767618003.ts");
        let first = walk(&moved).unwrap().first_pts.unwrap();
        assert_eq!(first, 1_746_000);
        shift(&mut moved, WRAP - first).unwrap();
        assert_eq!(walk(&moved).unwrap().first_pts, Some(0));
    }

    #[test]
    fn malformed_input_is_refused() {
        assert!(shift(&mut [0x47; 100], 0).unwrap_err().contains("whole number"));
        let mut bad = demo("segment-1767618000.ts");
        bad[PACKET * 3] = 0x46;
        assert!(shift(&mut bad, 0).unwrap_err().starts_with("packet 3: no sync byte"));
        let mut long_af = vec![0x47, 0x01, 0x00, 0x30, 200];
        long_af.resize(PACKET, 0xFF);
        assert!(shift(&mut long_af, 0).unwrap_err().contains("adaptation field longer"));
    }
}
