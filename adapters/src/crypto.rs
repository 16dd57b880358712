//! The cryptographic ports: sealing secrets at rest ([`XChaChaBox`], S6, S30), session, API and
//! set-up tokens and recovery codes ([`HmacTokens`], S10, S16, S29), and RFC 6238 TOTP
//! ([`RfcTotp`], S6, S7), all keyed from one [`ServerKeys`] derived from the server key.
//!
//! Nothing here logs or prints a secret, and every random byte comes from the operating
//! system's CSPRNG. This module must not touch storage: it only turns bytes into bytes.

mod keys;
mod secret_box;
mod tokens;
mod totp;

pub use keys::{LABEL_CSRF, LABEL_SEAL, LABEL_TOKEN_HASH, ServerKeys};
pub use secret_box::XChaChaBox;
pub use tokens::HmacTokens;
pub use totp::{RfcTotp, TOTP_DIGITS, TOTP_STEP_SECONDS, totp_code};

use rand::TryRng as _;

/// Fills `buf` from the operating system's CSPRNG.
///
/// The ports that need randomness cannot fail, and without a working OS generator no secret
/// can be made safely, so a failure stops the request (a panic, caught by the server) rather
/// than fall back to something weaker.
fn os_random(buf: &mut [u8]) {
    rand::rngs::SysRng
        .try_fill_bytes(buf)
        .unwrap_or_else(|e| panic!("the operating system's random number generator failed: {e}"));
}

/// `N` bytes from the operating system's CSPRNG.
fn random_array<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    os_random(&mut bytes);
    bytes
}
