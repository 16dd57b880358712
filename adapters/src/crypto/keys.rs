//! Sub-keys of the server key (S30): one per purpose, derived with HMAC-SHA256 under fixed
//! labels, so that a key used for one thing (say CSRF tokens handed to browsers) can never be
//! turned against another (the sealed TOTP secrets).

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

use super::{HmacTokens, XChaChaBox};
use crate::config::SecretKey;

/// Label of the key that seals secrets at rest (TOTP secrets).
pub const LABEL_SEAL: &str = "gatehouse/v1/seal";
/// Label of the key that hashes tokens and recovery codes.
pub const LABEL_TOKEN_HASH: &str = "gatehouse/v1/token-hash";
/// Label of the key that signs CSRF tokens (used by the web layer).
pub const LABEL_CSRF: &str = "gatehouse/v1/csrf";

/// A 32-byte sub-key; `Debug` never shows it.
#[derive(Clone)]
struct SubKey(Arc<[u8; 32]>);

impl fmt::Debug for SubKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********")
    }
}

/// The independent keys derived from the server key. Cheap to clone; never printed.
#[derive(Debug, Clone)]
pub struct ServerKeys {
    seal: SubKey,
    token_hash: SubKey,
    csrf: SubKey,
}

impl ServerKeys {
    /// Derives every sub-key from the server key.
    pub fn derive(server_key: &SecretKey) -> ServerKeys {
        ServerKeys::from_bytes(server_key.expose())
    }

    /// Derives every sub-key from raw key bytes (any length; the server key has 32).
    pub fn from_bytes(server_key: &[u8]) -> ServerKeys {
        let sub = |label: &str| SubKey(Arc::new(hmac_sha256(server_key, label.as_bytes())));
        ServerKeys { seal: sub(LABEL_SEAL), token_hash: sub(LABEL_TOKEN_HASH), csrf: sub(LABEL_CSRF) }
    }

    /// The key the web layer signs CSRF tokens with (32 bytes).
    pub fn csrf_key(&self) -> &[u8] {
        &self.csrf.0[..]
    }

    /// The [`SecretBox`](gatehouse_application::ports::SecretBox) port, on the seal key.
    pub fn secret_box(&self) -> XChaChaBox {
        XChaChaBox::new(&self.seal.0)
    }

    /// The [`Tokens`](gatehouse_application::ports::Tokens) port, on the token-hash key.
    pub fn tokens(&self) -> HmacTokens {
        HmacTokens::new(&self.token_hash.0)
    }
}

/// HMAC-SHA256 of `message` under `key`.
pub(super) fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac =
        <Hmac<Sha256>>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC accepts any key"));
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_keys_are_distinct_stable_and_hidden() {
        let a = ServerKeys::from_bytes(&[7; 32]);
        let b = ServerKeys::from_bytes(&[7; 32]);
        let other = ServerKeys::from_bytes(&[8; 32]);
        assert_eq!(a.csrf_key(), b.csrf_key(), "derivation is deterministic");
        assert_ne!(a.csrf_key(), other.csrf_key());
        assert_eq!(a.csrf_key().len(), 32);
        let subs = [&a.seal.0[..], &a.token_hash.0[..], &a.csrf.0[..]];
        assert!(subs[0] != subs[1] && subs[1] != subs[2] && subs[0] != subs[2], "independent keys");
        assert!(subs.iter().all(|k| *k != [7; 32]), "never the server key itself");
        assert_eq!(format!("{a:?}"), "ServerKeys { seal: ********, token_hash: ********, csrf: ******** }");
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let expected = [
            0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
            0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
        ];
        assert_eq!(mac, expected);
    }
}
