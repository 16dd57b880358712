//! Tokens and their hashes (S10, S16, S29): 256-bit random tokens as base64url text, keyed
//! HMAC-SHA256 hashes for storage, and recovery codes drawn uniformly from the domain's
//! alphabet.
//!
//! The hash is keyed with a sub-key of the server key because recovery codes hold only ~50
//! bits: a plain SHA-256 table, once stolen, could be brute-forced offline; a keyed one cannot
//! without the server key as well.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gatehouse_application::ports::{SecretString, Tokens};
use gatehouse_domain::second_factor::RECOVERY_CODE_ALPHABET;

use super::keys::hmac_sha256;
use super::{os_random, random_array};

/// Random bytes in a new token (256 bits, S16, S29).
pub const TOKEN_BYTES: usize = 32;
/// Characters in a recovery code.
pub const RECOVERY_CODE_LEN: usize = 10;

/// The [`Tokens`] port, hashing with the token-hash sub-key.
#[derive(Clone)]
pub struct HmacTokens {
    key: [u8; 32],
}

impl fmt::Debug for HmacTokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HmacTokens(********)")
    }
}

impl HmacTokens {
    /// Tokens hashed under `key`.
    pub fn new(key: &[u8; 32]) -> Self {
        HmacTokens { key: *key }
    }
}

impl Tokens for HmacTokens {
    fn new_token(&self) -> SecretString {
        SecretString::new(URL_SAFE_NO_PAD.encode(random_array::<TOKEN_BYTES>()))
    }

    fn hash(&self, token: &str) -> Vec<u8> {
        hmac_sha256(&self.key, token.as_bytes()).to_vec()
    }

    fn new_recovery_code(&self) -> String {
        uniform_string(RECOVERY_CODE_ALPHABET, RECOVERY_CODE_LEN, os_random)
    }
}

/// `len` characters drawn uniformly from `alphabet` (at most 256 symbols) by rejection
/// sampling: a random byte is used only below the largest multiple of the alphabet's size, so
/// `byte % size` has no bias.
fn uniform_string(alphabet: &[u8], len: usize, mut fill: impl FnMut(&mut [u8])) -> String {
    let size = alphabet.len();
    assert!((1..=256).contains(&size), "alphabet of 1 to 256 symbols");
    let limit = 256 - 256 % size;
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 32];
    while out.len() < len {
        fill(&mut buf);
        for &b in &buf {
            if usize::from(b) < limit && out.len() < len {
                out.push(char::from(alphabet[usize::from(b) % size]));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use gatehouse_domain::second_factor::normalise_recovery_code;
    use sha2::Digest as _;

    use super::*;

    fn tokens() -> HmacTokens {
        HmacTokens::new(&[3; 32])
    }

    #[test]
    fn tokens_are_256_bits_of_url_safe_text() {
        let t = tokens();
        let seen: HashSet<String> = (0..100).map(|_| t.new_token().expose().to_owned()).collect();
        assert_eq!(seen.len(), 100);
        for token in &seen {
            assert_eq!(token.len(), 43, "{token}");
            assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert_eq!(URL_SAFE_NO_PAD.decode(token).expect("base64url").len(), 32);
        }
        assert_eq!(format!("{:?}", t.new_token()), "SecretString(***)");
    }

    #[test]
    fn hashes_are_keyed_and_stable() {
        let t = tokens();
        assert_eq!(t.hash("abc"), t.hash("abc"));
        assert_eq!(t.hash("abc").len(), 32);
        assert_ne!(t.hash("abc"), t.hash("abd"));
        assert_ne!(t.hash("abc"), HmacTokens::new(&[4; 32]).hash("abc"), "another key, another hash");
        assert_ne!(t.hash("abc"), sha2::Sha256::digest(b"abc").to_vec(), "not a bare SHA-256");
    }

    #[test]
    fn recovery_codes_fit_the_domain_rules() {
        let t = tokens();
        let codes: HashSet<String> = (0..200).map(|_| t.new_recovery_code()).collect();
        assert_eq!(codes.len(), 200);
        for code in &codes {
            assert_eq!(normalise_recovery_code(code).as_deref(), Some(code.as_str()), "{code}");
        }
    }

    #[test]
    fn rejection_sampling_has_no_modulo_bias() {
        // Feeding every byte value once: 248 of them are kept (8 × 31), the rest dropped, so
        // each symbol comes out exactly 8 times.
        let mut next = 0u8;
        let mut fill = |buf: &mut [u8]| {
            for b in buf {
                *b = next;
                next = next.wrapping_add(1);
            }
        };
        let s = uniform_string(RECOVERY_CODE_ALPHABET, 248, &mut fill);
        let mut counts: HashMap<char, usize> = HashMap::new();
        for c in s.chars() {
            *counts.entry(c).or_default() += 1;
        }
        assert_eq!(counts.len(), RECOVERY_CODE_ALPHABET.len());
        assert!(counts.values().all(|&n| n == 8), "{counts:?}");
        // Bytes 248..=255 were skipped: the next symbol after a full cycle is the first again.
        assert_eq!(uniform_string(RECOVERY_CODE_ALPHABET, 1, &mut fill), "a");
    }
}
