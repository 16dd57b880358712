//! Secrets at rest (S6, S30): XChaCha20-Poly1305 with a fresh random 24-byte nonce per seal.
//! The sealed form is `nonce || ciphertext+tag`; a 192-bit random nonce never repeats in
//! practice, so no counter has to be kept across instances.

use std::fmt;

use chacha20poly1305::aead::{Aead as _, KeyInit as _};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use gatehouse_application::ports::SecretBox;

use super::random_array;

const NONCE_BYTES: usize = 24;

/// The [`SecretBox`] port: authenticated encryption under the seal sub-key.
#[derive(Clone)]
pub struct XChaChaBox {
    cipher: XChaCha20Poly1305,
}

impl fmt::Debug for XChaChaBox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("XChaChaBox(********)")
    }
}

impl XChaChaBox {
    /// A box sealing under `key`.
    pub fn new(key: &[u8; 32]) -> Self {
        XChaChaBox { cipher: XChaCha20Poly1305::new(&(*key).into()) }
    }
}

impl SecretBox for XChaChaBox {
    fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let nonce_bytes = random_array::<NONCE_BYTES>();
        let nonce = XNonce::from(nonce_bytes);
        // Encryption only fails for plaintexts longer than ChaCha20's 256 GiB keystream.
        let ciphertext = self
            .cipher
            .encrypt(&nonce, plaintext)
            .unwrap_or_else(|_| unreachable!("plaintext too long to seal"));
        let mut sealed = Vec::with_capacity(NONCE_BYTES + ciphertext.len());
        sealed.extend_from_slice(&nonce_bytes);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    fn open(&self, sealed: &[u8]) -> Option<Vec<u8>> {
        let (nonce, ciphertext) = sealed.split_at_checked(NONCE_BYTES)?;
        let nonce = XNonce::try_from(nonce).ok()?;
        self.cipher.decrypt(&nonce, ciphertext).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boxed(key: u8) -> XChaChaBox {
        XChaChaBox::new(&[key; 32])
    }

    #[test]
    fn round_trip() {
        let b = boxed(1);
        let sealed = b.seal(b"totp secret bytes");
        assert_eq!(sealed.len(), NONCE_BYTES + 17 + 16, "nonce, ciphertext, tag");
        assert_eq!(b.open(&sealed).as_deref(), Some(&b"totp secret bytes"[..]));
        assert_eq!(b.open(&b.seal(b"")).as_deref(), Some(&b""[..]));
    }

    #[test]
    fn any_tampering_is_refused() {
        let b = boxed(1);
        let sealed = b.seal(b"totp secret bytes");
        for i in 0..sealed.len() {
            let mut bad = sealed.clone();
            bad[i] ^= 0x01;
            assert_eq!(b.open(&bad), None, "flipped byte {i}");
        }
        assert_eq!(b.open(&sealed[..sealed.len() - 1]), None, "truncated");
        assert_eq!(b.open(&sealed[..10]), None, "shorter than a nonce");
        assert_eq!(b.open(&[]), None);
    }

    #[test]
    fn another_key_cannot_open() {
        let sealed = boxed(1).seal(b"secret");
        assert_eq!(boxed(2).open(&sealed), None);
    }

    #[test]
    fn the_same_plaintext_seals_differently_and_is_not_visible() {
        let b = boxed(1);
        let (x, y) = (b.seal(b"same secret"), b.seal(b"same secret"));
        assert_ne!(x, y, "a fresh nonce each time");
        assert_ne!(x[..NONCE_BYTES], y[..NONCE_BYTES]);
        assert!(!x.windows(11).any(|w| w == b"same secret"));
        assert_eq!(format!("{b:?}"), "XChaChaBox(********)");
    }
}
