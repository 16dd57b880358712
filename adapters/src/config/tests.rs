use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;

use super::*;

fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
    let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    Settings::from_lookup(|name| map.get(name).cloned())
}

const KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

#[test]
fn defaults_are_local_and_sqlite_in_the_data_dir() {
    let s = settings(&[]).expect("defaults");
    assert_eq!(s.bind.to_string(), "127.0.0.1:8000");
    assert_eq!(s.data_dir, PathBuf::from("./data"));
    assert_eq!(s.database_url.expose_secret(), "sqlite://./data/gatehouse.db");
    assert!(s.database_is_default);
    assert_eq!(s.log_format, LogFormat::Text);
    assert!(matches!(s.secret_key, SecretKeySource::File(ref p) if p == &PathBuf::from("./data/secret.key")));
    assert_eq!((s.email.host.as_deref(), s.email.port, s.email.use_tls), (None, 587, true));
    assert!(s.upstream.base_url.is_none() && s.upstream.api_key.is_none());
}

#[test]
fn every_variable_is_read() {
    let s = settings(&[
        ("GATEHOUSE_BIND", "0.0.0.0:9000"),
        ("GATEHOUSE_DATA_DIR", "/var/lib/gatehouse/"),
        ("DATABASE_URL", "postgres://gh:pw@db/gatehouse"),
        ("GATEHOUSE_SECRET_KEY", KEY),
        ("GATEHOUSE_LOG_FORMAT", "JSON"),
        ("EMAIL_HOST", "smtp.example"),
        ("EMAIL_PORT", "465"),
        ("EMAIL_HOST_USER", "mailer"),
        ("EMAIL_HOST_PASSWORD", "smtp-secret"),
        ("EMAIL_USE_TLS", "false"),
        ("MFA_SYSTEM_API_URL", "http://mfa.internal:8000/mfa/api"),
        ("MFA_SYSTEM_API_KEY", "upstream-secret"),
    ])
    .expect("valid");
    assert_eq!(s.bind.port(), 9000);
    assert!(!s.database_is_default);
    assert_eq!(s.log_format, LogFormat::Json);
    assert_eq!((s.email.port, s.email.use_tls), (465, false));
    assert_eq!(s.email.username.as_deref(), Some("mailer"));
    assert_eq!(
        s.upstream.base_url.as_ref().map(reqwest::Url::as_str),
        Some("http://mfa.internal:8000/mfa/api/")
    );
    let key = s.secret_key().expect("from env");
    assert_eq!(key.expose()[..2], [0x00, 0x11]);
}

#[test]
fn the_default_database_follows_the_data_dir() {
    let s = settings(&[("GATEHOUSE_DATA_DIR", "/srv/gh/")]).expect("valid");
    assert_eq!(s.database_url.expose_secret(), "sqlite:///srv/gh/gatehouse.db");
}

#[test]
fn bad_values_name_the_variable_and_the_rule() {
    let cases = [
        (("GATEHOUSE_BIND", "x"), "GATEHOUSE_BIND: \"x\" is not an address like 127.0.0.1:8000"),
        (("GATEHOUSE_LOG_FORMAT", "xml"), "GATEHOUSE_LOG_FORMAT: \"xml\" is not text or json"),
        (("EMAIL_PORT", "0"), "EMAIL_PORT: \"0\" is not a port number (1-65535)"),
        (("EMAIL_USE_TLS", "maybe"), "EMAIL_USE_TLS: \"maybe\" is not true or false"),
        (("GATEHOUSE_SECRET_KEY", "short"), "GATEHOUSE_SECRET_KEY: must be 64 hex digits"),
        (("DATABASE_URL", "mysql://u:pw@h/db"), "DATABASE_URL: \"mysql://u:********@h/db\" is not"),
        (("MFA_SYSTEM_API_URL", "ftp://x/"), "MFA_SYSTEM_API_URL: \"ftp://x/\" is not an http(s) URL"),
    ];
    for ((name, value), expected) in cases {
        let err = settings(&[(name, value)]).expect_err(name);
        assert_eq!(err.variable, name);
        assert!(err.to_string().starts_with(expected), "{err}");
    }
}

#[test]
fn empty_values_count_as_unset() {
    let s =
        settings(&[("GATEHOUSE_BIND", ""), ("EMAIL_HOST", "  "), ("GATEHOUSE_SECRET_KEY", "")]).expect("ok");
    assert_eq!(s.bind.to_string(), DEFAULT_BIND);
    assert!(s.email.host.is_none());
    assert!(matches!(s.secret_key, SecretKeySource::File(_)));
}

#[test]
fn secrets_never_print_s27_s30() {
    let s = settings(&[
        ("DATABASE_URL", "postgres://gh:dbpass@db/gatehouse"),
        ("GATEHOUSE_SECRET_KEY", KEY),
        ("EMAIL_HOST_PASSWORD", "smtppass"),
        ("MFA_SYSTEM_API_KEY", "apikey123"),
    ])
    .expect("valid");
    for text in [format!("{s:?}"), s.summary(), s.database_display()] {
        for secret in ["dbpass", "smtppass", "apikey123", KEY, "00112233"] {
            assert!(!text.contains(secret), "{secret} leaked in {text}");
        }
    }
    assert!(s.summary().contains("DATABASE_URL = postgres://gh:********@db/gatehouse"));
    assert!(s.summary().contains("MFA_SYSTEM_API_KEY = ******** (set)"));
}

#[test]
fn masking_leaves_urls_without_a_password_alone() {
    assert_eq!(mask_url_password("sqlite://./data/gatehouse.db"), "sqlite://./data/gatehouse.db");
    assert_eq!(mask_url_password("postgres://gh@db/x"), "postgres://gh@db/x");
    assert_eq!(
        mask_url_password("postgres://a:b:c@db/x?sslmode=require"),
        "postgres://a:********@db/x?sslmode=require"
    );
}

#[test]
fn a_missing_key_is_generated_once_with_mode_0600_and_reused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("nested/data");
    let s = settings(&[("GATEHOUSE_DATA_DIR", data.to_str().expect("utf-8"))]).expect("valid");
    let first = s.secret_key().expect("generated");
    let path = data.join("secret.key");
    let mode = std::fs::metadata(&path).expect("written").permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let again = s.secret_key().expect("reused");
    assert_eq!(first.expose(), again.expose());
    assert_eq!(first.expose().len(), 32);
    assert_ne!(SecretKey::generate().expose(), first.expose());
    assert_eq!(format!("{first:?}"), "SecretKey(********)");
}

#[test]
fn a_corrupt_key_file_is_an_error_not_a_new_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("secret.key"), "garbage").expect("write");
    let s = settings(&[("GATEHOUSE_DATA_DIR", dir.path().to_str().expect("utf-8"))]).expect("valid");
    let err = s.secret_key().expect_err("corrupt");
    assert_eq!(err.variable, "GATEHOUSE_SECRET_KEY");
    assert!(err.message.contains("secret.key"));
}

#[test]
fn a_dotenv_file_is_read_without_touching_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(".env");
    std::fs::write(&path, "GATEHOUSE_BIND=0.0.0.0:8080\n# comment\nEMAIL_HOST=\"smtp.example\"\n")
        .expect("write");
    let vars = read_dotenv(&path).expect("parsed");
    assert_eq!(vars.get("GATEHOUSE_BIND").map(String::as_str), Some("0.0.0.0:8080"));
    assert_eq!(vars.get("EMAIL_HOST").map(String::as_str), Some("smtp.example"));
    assert!(read_dotenv(&dir.path().join("missing")).expect("absent is fine").is_empty());
}

#[test]
fn the_public_url_defaults_to_http_on_the_bind_address() {
    let s = settings(&[]).expect("defaults");
    assert_eq!(s.public_url().as_str(), "http://127.0.0.1:8000/");
    assert!(!s.is_secure());
    assert!(s.trusted_proxies().is_empty());
    assert!(
        s.summary().contains("GATEHOUSE_PUBLIC_URL = http://127.0.0.1:8000/ (derived from GATEHOUSE_BIND)")
    );
    assert!(s.summary().contains("GATEHOUSE_TRUSTED_PROXIES = (none)"));
    let s = settings(&[("GATEHOUSE_BIND", "0.0.0.0:9000")]).expect("valid");
    assert_eq!(s.public_url().as_str(), "http://localhost:9000/");
}

#[test]
fn an_https_public_url_makes_the_server_secure_and_proxies_are_trusted_by_list() {
    let s = settings(&[
        ("GATEHOUSE_PUBLIC_URL", "https://panel.example"),
        ("GATEHOUSE_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7"),
    ])
    .expect("valid");
    assert_eq!(s.public_url().as_str(), "https://panel.example/");
    assert!(s.is_secure());
    assert!(s.trusted_proxies().contains("10.20.30.40".parse().expect("ip")));
    assert!(s.trusted_proxies().contains("192.0.2.7".parse().expect("ip")));
    assert!(!s.trusted_proxies().contains("203.0.113.1".parse().expect("ip")));
    assert!(s.summary().contains("GATEHOUSE_PUBLIC_URL = https://panel.example/\n"));
    assert!(s.summary().contains("GATEHOUSE_TRUSTED_PROXIES = 10.0.0.0/8, 192.0.2.7/32"));
    let s = settings(&[("GATEHOUSE_PUBLIC_URL", "http://panel.internal:8000/")]).expect("valid");
    assert!(!s.is_secure());
}

#[test]
fn bad_public_urls_and_proxies_name_the_variable_and_the_rule() {
    let cases = [
        (("GATEHOUSE_PUBLIC_URL", "panel.example"), "GATEHOUSE_PUBLIC_URL: \"panel.example\" is not a URL"),
        (
            ("GATEHOUSE_PUBLIC_URL", "https://panel.example/admin"),
            "GATEHOUSE_PUBLIC_URL: \"https://panel.example/admin\" must not have a path",
        ),
        (
            ("GATEHOUSE_PUBLIC_URL", "ws://panel.example"),
            "GATEHOUSE_PUBLIC_URL: \"ws://panel.example\" must start",
        ),
        (
            ("GATEHOUSE_TRUSTED_PROXIES", "10.0.0.1,lb.internal"),
            "GATEHOUSE_TRUSTED_PROXIES: \"lb.internal\" is not an IP address or CIDR range",
        ),
        (("GATEHOUSE_TRUSTED_PROXIES", "10.0.0.0/40"), "GATEHOUSE_TRUSTED_PROXIES: \"10.0.0.0/40\" is not"),
    ];
    for ((name, value), expected) in cases {
        let err = settings(&[(name, value)]).expect_err(value);
        assert_eq!(err.variable, name);
        assert!(err.to_string().starts_with(expected), "{err}");
    }
}

#[test]
fn the_metrics_token_is_long_masked_and_never_repeated_in_errors() {
    let token = "metrics-token-0123456789abcdef0123456789";
    let s = settings(&[("GATEHOUSE_METRICS_TOKEN", token)]).expect("valid");
    assert_eq!(s.metrics_token.as_ref().map(ExposeSecret::expose_secret), Some(token));
    assert!(s.summary().contains("GATEHOUSE_METRICS_TOKEN = ******** (set)"));
    assert!(!format!("{s:?}").contains(token) && !s.summary().contains(token));
    assert!(settings(&[("GATEHOUSE_METRICS_TOKEN", "  ")]).expect("blank is unset").metrics_token.is_none());
    for bad in [
        "short-token",
        "a token with spaces in it, long enough to pass",
        "tökentökentökentökentökentökentöken",
    ] {
        let e = settings(&[("GATEHOUSE_METRICS_TOKEN", bad)]).expect_err(bad);
        assert_eq!(e.variable, "GATEHOUSE_METRICS_TOKEN");
        assert!(!e.to_string().contains(bad), "the token is not repeated: {e}");
    }
}

#[test]
fn email_and_outbox_settings_are_checked() {
    let s = settings(&[]).expect("defaults");
    assert_eq!(
        (s.email.use_ssl, s.email.from.as_str(), s.email.timeout.as_secs()),
        (false, DEFAULT_FROM, 10)
    );
    assert_eq!((s.outbox.interval.as_secs(), s.outbox.batch, s.outbox.max_attempts), (5, 20, 8));
    let s = settings(&[
        ("EMAIL_HOST_USER", "alerts@mail.example"),
        ("EMAIL_USE_TLS", "no"),
        ("EMAIL_USE_SSL", "yes"),
        ("EMAIL_TIMEOUT", "30"),
        ("GATEHOUSE_OUTBOX_INTERVAL", "60"),
        ("GATEHOUSE_OUTBOX_BATCH", "50"),
        ("GATEHOUSE_OUTBOX_MAX_ATTEMPTS", "3"),
    ])
    .expect("valid");
    assert_eq!(s.email.from, "alerts@mail.example", "an address as user name is the sender");
    assert!(s.email.use_ssl && !s.email.use_tls);
    assert_eq!((s.outbox.interval.as_secs(), s.outbox.batch, s.outbox.max_attempts), (60, 50, 3));
    let s = settings(&[("DEFAULT_FROM_EMAIL", "Ops <ops@panel.example>")]).expect("valid");
    assert_eq!(s.email.from, "Ops <ops@panel.example>");
    assert!(s.summary().contains("DEFAULT_FROM_EMAIL = Ops <ops@panel.example>"));

    for (name, value) in [
        ("EMAIL_USE_SSL", "true"),
        ("DEFAULT_FROM_EMAIL", "not an address"),
        ("EMAIL_TIMEOUT", "0"),
        ("GATEHOUSE_OUTBOX_BATCH", "100000"),
        ("GATEHOUSE_OUTBOX_MAX_ATTEMPTS", "-1"),
        ("GATEHOUSE_OUTBOX_INTERVAL", "soon"),
    ] {
        let err = settings(&[(name, value)]).expect_err(name);
        assert_eq!(err.variable, name, "{err}");
    }
}
