//! The server key (S30): 32 bytes that encrypt TOTP secrets and sign CSRF tokens. Written as
//! 64 hex digits, in `GATEHOUSE_SECRET_KEY` or in `<data_dir>/secret.key` (mode 0600), so one
//! generated key can be copied to the other instances of a cluster.

use std::fmt;
use std::fs;
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rand::RngExt;
use secrecy::{ExposeSecret, SecretSlice};

use super::ConfigError;

/// Length of the server key in bytes.
pub const KEY_BYTES: usize = 32;

/// The server key; `Debug` never shows it.
#[derive(Clone)]
pub struct SecretKey(SecretSlice<u8>);

impl SecretKey {
    /// Parses 64 hex digits; the error is the rule that was broken.
    pub fn from_hex(text: &str) -> Result<SecretKey, String> {
        let text = text.trim();
        let rule =
            || format!("must be {} hex digits (generate one with: openssl rand -hex 32)", KEY_BYTES * 2);
        if text.len() != KEY_BYTES * 2 || !text.is_ascii() {
            return Err(rule());
        }
        let bytes = (0..KEY_BYTES)
            .map(|i| u8::from_str_radix(&text[i * 2..i * 2 + 2], 16).map_err(|_| rule()))
            .collect::<Result<Vec<u8>, String>>()?;
        Ok(SecretKey(SecretSlice::from(bytes)))
    }

    /// A fresh key from the operating system's CSPRNG (through rand's thread RNG, which it seeds).
    pub fn generate() -> SecretKey {
        let mut bytes = vec![0u8; KEY_BYTES];
        rand::rng().fill(&mut bytes[..]);
        SecretKey(SecretSlice::from(bytes))
    }

    /// The key bytes, for the code that derives encryption and signing keys from it.
    pub fn expose(&self) -> &[u8] {
        self.0.expose_secret()
    }

    fn to_hex(&self) -> String {
        use std::fmt::Write as _;
        self.expose().iter().fold(String::with_capacity(KEY_BYTES * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(********)")
    }
}

const VAR: &str = "GATEHOUSE_SECRET_KEY";

/// Reads the key file, or creates it (and its directory) when missing. Creation is atomic: a
/// key is written to a private temporary file and hard-linked into place, so two instances
/// starting at once end up with the same key.
pub(super) fn load_or_generate(path: &Path) -> Result<SecretKey, ConfigError> {
    let io = |what: &str, e: std::io::Error| {
        ConfigError::new(VAR, format!("not set, and {what} {} failed: {e}", path.display()))
    };
    match fs::read_to_string(path) {
        Ok(text) => {
            return SecretKey::from_hex(&text)
                .map_err(|rule| ConfigError::new(VAR, format!("the key in {}: {rule}", path.display())));
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(io("reading", e)),
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| io("creating the directory of", e))?;
    }
    let key = SecretKey::generate();
    let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
    let written = (|| {
        let mut file = fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&tmp)?;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(format!("{}\n", key.to_hex()).as_bytes())?;
        file.sync_all()
    })();
    let linked = written.and_then(|()| fs::hard_link(&tmp, path));
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(key),
        // Another instance won the race: use its key.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => load_or_generate(path),
        Err(e) => Err(io("writing", e)),
    }
}
