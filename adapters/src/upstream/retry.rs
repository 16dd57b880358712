//! Which failures are worth another attempt, and how long to wait before it.

use std::time::Duration;

use gatehouse_application::ports::UpstreamError;

use super::transport::Failure;

/// How the calls retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `retries + 1` attempts at most).
    pub retries: u32,
    /// The wait before the first retry; it doubles for each further one.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// The longest `Retry-After` honoured; an upstream asking for more gets no retry.
    pub max_retry_after: Duration,
}

impl RetryPolicy {
    /// How long to wait before retry number `retry` (1-based) after `failure`, or `None` when
    /// the failure must not be retried. `idempotent`: the call may safely run twice (GET, PUT).
    pub(super) fn wait(&self, retry: u32, failure: &Failure, idempotent: bool) -> Option<Duration> {
        if retry > self.retries {
            return None;
        }
        let worth_it = match &failure.error {
            // Nothing reached the upstream, so even a POST may go again.
            UpstreamError::Connect { .. } => true,
            UpstreamError::Timeout { .. } | UpstreamError::Dropped | UpstreamError::Unavailable { .. } => {
                idempotent || !failure.sent
            }
            _ => false,
        };
        if !worth_it {
            return None;
        }
        match failure.retry_after {
            Some(asked) if asked > self.max_retry_after => None,
            Some(asked) => Some(asked),
            None => Some(self.backoff(retry)),
        }
    }

    /// Exponential backoff with jitter: a random wait in the upper half of
    /// `backoff × 2^(retry−1)` (capped), so clients that failed together do not retry together.
    pub(super) fn backoff(&self, retry: u32) -> Duration {
        let full = self.backoff.saturating_mul(1 << retry.saturating_sub(1).min(16)).min(self.max_backoff);
        let ms = u64::try_from(full.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::random_range(ms / 2..=ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            retries: 3,
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(300),
            max_retry_after: Duration::from_secs(5),
        }
    }

    fn failure(error: UpstreamError) -> Failure {
        Failure::from(error)
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let p = policy();
        for _ in 0..50 {
            let first = p.backoff(1);
            assert!((Duration::from_millis(50)..=Duration::from_millis(100)).contains(&first), "{first:?}");
            let second = p.backoff(2);
            assert!((Duration::from_millis(100)..=Duration::from_millis(200)).contains(&second));
            assert!(p.backoff(9) <= Duration::from_millis(300));
        }
    }

    #[test]
    fn only_transient_failures_of_safe_calls_are_retried() {
        let p = policy();
        let unavailable = failure(UpstreamError::Unavailable { status: 503 });
        assert!(p.wait(1, &unavailable, true).is_some());
        assert!(p.wait(1, &unavailable, false).is_none(), "a POST may have been processed");
        assert!(p.wait(4, &unavailable, true).is_none(), "out of retries");
        let refused = Failure {
            error: UpstreamError::Connect { reason: "refused".into() },
            retry_after: None,
            sent: false,
        };
        assert!(p.wait(1, &refused, false).is_some(), "nothing was sent, so a POST may go again");
        for no in [
            UpstreamError::Unauthorized { status: 401, detail: String::new() },
            UpstreamError::Rejected { status: 404, detail: String::new() },
            UpstreamError::Malformed("x".into()),
        ] {
            assert!(p.wait(1, &failure(no), true).is_none());
        }
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let p = policy();
        let mut busy = failure(UpstreamError::Unavailable { status: 429 });
        busy.retry_after = Some(Duration::from_secs(2));
        assert_eq!(p.wait(1, &busy, true), Some(Duration::from_secs(2)));
        busy.retry_after = Some(Duration::from_mins(1));
        assert_eq!(p.wait(1, &busy, true), None);
    }
}
