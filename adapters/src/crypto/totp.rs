//! TOTP per RFC 6238 with totp-rs (S6, S7): SHA-1, 6 digits, 30-second steps, one step of
//! drift either way; secrets of 160 bits; QR codes drawn by the server as SVG.
//!
//! Replays (S8) are not this module's business: [`RfcTotp::matching_step`] says *which* step a
//! code matched, and the use case claims that step in storage.

use gatehouse_application::ports::TotpService;
use qrcode::QrCode;
use qrcode::render::svg;
use subtle::ConstantTimeEq as _;
use time::OffsetDateTime;
use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::random_array;

/// Digits in a code (RFC 6238 5.2, S6).
pub const TOTP_DIGITS: u8 = 6;
/// Seconds in a time step (RFC 6238 5.2, S6).
pub const TOTP_STEP_SECONDS: u64 = 30;
/// Bytes in a new secret: 160 bits (RFC 4226 R6, S6).
pub const SECRET_BYTES: usize = 20;
/// The issuer shown in authenticator apps.
pub const ISSUER: &str = "Gatehouse";

/// The [`TotpService`] port.
#[derive(Debug, Clone, Copy, Default)]
pub struct RfcTotp;

/// A totp-rs generator for `secret`; `None` if totp-rs refuses it (secrets under 128 bits).
fn generator(secret: &[u8], digits: u8) -> Option<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(digits)
        .with_step_duration(TOTP_STEP_SECONDS)
        .with_skew(0)
        .with_secret(secret.to_vec())
        .build()
        .ok()
}

/// The `digits`-digit SHA-1 code of `secret` at `unix_seconds`: the one function both the
/// service and the RFC 6238 test vectors use.
pub fn totp_code(secret: &[u8], digits: u8, unix_seconds: u64) -> Option<String> {
    Some(generator(secret, digits)?.generate(unix_seconds).to_string())
}

impl TotpService for RfcTotp {
    fn new_secret(&self) -> Vec<u8> {
        random_array::<SECRET_BYTES>().to_vec()
    }

    fn matching_step(&self, secret: &[u8], code: &str, now: OffsetDateTime) -> Option<u64> {
        let totp = generator(secret, TOTP_DIGITS)?;
        let now = u64::try_from(now.unix_timestamp()).ok()?;
        let current = now / TOTP_STEP_SECONDS;
        // Every candidate is computed and compared, in constant time, whatever matched first.
        let mut matched = None;
        for step in current.saturating_sub(1)..=current.saturating_add(1) {
            let expected = totp.generate(step * TOTP_STEP_SECONDS).to_string();
            if bool::from(expected.as_bytes().ct_eq(code.as_bytes())) {
                matched = Some(step);
            }
        }
        matched
    }

    fn display_secret(&self, secret: &[u8]) -> String {
        Secret::from(secret.to_vec()).to_base32().trim_end_matches('=').to_owned()
    }

    fn provisioning_uri(&self, secret: &[u8], account: &str) -> String {
        // Neither part of the label may hold a colon; usernames never do, but stay safe.
        let account = account.replace(':', "_");
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(TOTP_DIGITS)
            .with_step_duration(TOTP_STEP_SECONDS)
            .with_secret(secret.to_vec())
            .with_issuer(Some(ISSUER))
            .with_account_name(account)
            .build_noncompliant()
            .to_url()
            .unwrap_or_default()
    }

    fn qr_svg(&self, uri: &str) -> String {
        // An otpauth URI is ~120 bytes, far below a QR code's capacity; the error (which
        // would not show the URI anyway) is not expected.
        let Ok(code) = QrCode::new(uri.as_bytes()) else { return String::new() };
        let image = code
            .render::<svg::Color<'_>>()
            .min_dimensions(200, 200)
            .dark_color(svg::Color("#000"))
            .light_color(svg::Color("#fff"))
            .quiet_zone(true)
            .build();
        // Without the XML declaration the SVG can be placed inline in an HTML page.
        match image.find("<svg") {
            Some(start) => image[start..].to_owned(),
            None => image,
        }
    }
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    const RFC_SEED: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_6238_appendix_b_sha1_vectors_s7() {
        for (t, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(totp_code(RFC_SEED, 8, t).as_deref(), Some(code), "T = {t}");
        }
        assert_eq!(totp_code(RFC_SEED, 6, 59).as_deref(), Some("287082"), "6 digits: the last six");
    }

    fn at(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).expect("valid time")
    }

    #[test]
    fn one_step_of_drift_either_way_s7() {
        let svc = RfcTotp;
        let secret = svc.new_secret();
        let now = at(1_800_000_015);
        let step = 1_800_000_015 / 30;
        let code_at = |offset: i64| {
            let t = u64::try_from(1_800_000_015 + offset).expect("positive");
            totp_code(&secret, TOTP_DIGITS, t).expect("code")
        };
        assert_eq!(svc.matching_step(&secret, &code_at(0), now), Some(step));
        assert_eq!(svc.matching_step(&secret, &code_at(-30), now), Some(step - 1));
        assert_eq!(svc.matching_step(&secret, &code_at(30), now), Some(step + 1));
        for far in [-60, 60] {
            let code = code_at(far);
            // A far code could collide with a near one by chance (1 in 10^6): skip that case.
            if [-30, 0, 30].iter().all(|near| code_at(*near) != code) {
                assert_eq!(svc.matching_step(&secret, &code, now), None, "offset {far}");
            }
        }
        assert_eq!(svc.matching_step(&secret, &code_at(0), now + Duration::seconds(90)), None);
    }

    #[test]
    fn malformed_codes_and_short_secrets_never_match() {
        let svc = RfcTotp;
        let secret = svc.new_secret();
        let now = at(1_800_000_015);
        let code = totp_code(&secret, TOTP_DIGITS, 1_800_000_015).expect("code");
        for bad in ["", "12345", "1234567", &format!("{code}0"), &format!(" {code}")] {
            assert_eq!(svc.matching_step(&secret, bad, now), None, "{bad:?}");
        }
        assert_eq!(svc.matching_step(&[1; 10], "123456", now), None, "80-bit secret refused");
        assert_eq!(svc.matching_step(&secret, &code, at(-5)), None, "before 1970");
    }

    #[test]
    fn secrets_are_160_bits_and_fresh_s6() {
        let svc = RfcTotp;
        let (a, b) = (svc.new_secret(), svc.new_secret());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
    }

    #[test]
    fn the_provisioning_uri_carries_the_secret_issuer_and_account_s6() {
        let svc = RfcTotp;
        let secret = svc.new_secret();
        let uri = svc.provisioning_uri(&secret, "alice");
        assert!(uri.starts_with("otpauth://totp/Gatehouse:alice?"), "{uri}");
        assert!(uri.contains("issuer=Gatehouse"), "{uri}");
        let manual = svc.display_secret(&secret);
        assert_eq!(manual.len(), 32);
        assert!(!manual.contains('='));
        assert!(uri.contains(&format!("secret={manual}")), "{uri}");
        let parsed = Totp::from_url(&uri).expect("parses");
        assert_eq!(parsed.secret().as_ref(), &secret[..], "decodes to the same 20 bytes");
        assert_eq!(parsed.secret().as_ref().len(), 20);
        assert_eq!((parsed.digits(), parsed.step(), parsed.algorithm()), (6, 30, Algorithm::SHA1));
        assert_eq!(parsed.issuer(), Some("Gatehouse"));
        assert_eq!(parsed.account_name(), "alice");
    }

    #[test]
    fn the_qr_code_is_an_svg() {
        let svc = RfcTotp;
        let svg = svc.qr_svg(&svc.provisioning_uri(&svc.new_secret(), "alice"));
        assert!(svg.starts_with("<svg") || svg.starts_with("<?xml"), "{}", &svg[..40.min(svg.len())]);
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
