//! Client-side rate limit of requests to the API server: a token bucket (`--qps` tokens a second,
//! at most `--burst` saved up) as a tower layer under the kube client, the way client-go's
//! `QPS`/`Burst` work. A request waits in `poll_ready` until a token is free; long-running
//! watches take one token when they start, like any request.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::time::{Instant, Sleep, sleep};
use tower_layer::Layer;
use tower_service::Service;

/// Why a rate limit cannot be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RateLimitError {
    /// `qps` is zero, negative or not a number.
    #[error("--qps must be a positive number, got {0}")]
    Qps(f64),
    /// `burst` is zero.
    #[error("--burst must be at least 1")]
    Burst,
}

/// The bucket: `rate` tokens a second, at most `capacity` of them.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    capacity: f64,
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket refilling `qps` tokens a second and holding at most `burst`.
    pub fn new(qps: f64, burst: u32, now: Instant) -> Result<Self, RateLimitError> {
        if !(qps.is_finite() && qps > 0.0) {
            return Err(RateLimitError::Qps(qps));
        }
        if burst == 0 {
            return Err(RateLimitError::Burst);
        }
        Ok(Self {
            rate: qps,
            capacity: f64::from(burst),
            tokens: f64::from(burst),
            updated: now,
        })
    }

    /// Takes a token at `now`, or says how long until one is free.
    pub fn try_take(&mut self, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.capacity);
        self.updated = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }
}

/// Layer adding a [`RateLimit`] to a service.
#[derive(Debug, Clone, Copy)]
pub struct RateLimitLayer {
    qps: f64,
    burst: u32,
}

impl RateLimitLayer {
    /// `qps` requests a second on average, bursts of up to `burst`.
    pub fn new(qps: f64, burst: u32) -> Result<Self, RateLimitError> {
        TokenBucket::new(qps, burst, Instant::now())?;
        Ok(Self { qps, burst })
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimit {
            inner,
            // Checked in `RateLimitLayer::new`; a bucket is built the same way here.
            bucket: TokenBucket {
                rate: self.qps,
                capacity: f64::from(self.burst),
                tokens: f64::from(self.burst),
                updated: Instant::now(),
            },
            sleep: None,
            permitted: false,
        }
    }
}

/// A service that lets requests through at the bucket's rate.
#[derive(Debug)]
pub struct RateLimit<S> {
    inner: S,
    bucket: TokenBucket,
    sleep: Option<Pin<Box<Sleep>>>,
    permitted: bool,
}

impl<S, Request> Service<Request> for RateLimit<S>
where
    S: Service<Request>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        loop {
            if self.permitted {
                return self.inner.poll_ready(cx);
            }
            if let Some(wait) = self.sleep.as_mut() {
                ready!(wait.as_mut().poll(cx));
                self.sleep = None;
            }
            match self.bucket.try_take(Instant::now()) {
                Ok(()) => self.permitted = true,
                Err(wait) => self.sleep = Some(Box::pin(sleep(wait))),
            }
        }
    }

    fn call(&mut self, request: Request) -> Self::Future {
        self.permitted = false;
        self.inner.call(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_allows_a_burst_then_the_rate() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(5.0, 3, start).expect("valid");
        for _ in 0..3 {
            assert_eq!(bucket.try_take(start), Ok(()));
        }
        let wait = bucket.try_take(start).expect_err("empty");
        assert_eq!(wait, Duration::from_millis(200));
        assert_eq!(bucket.try_take(start + Duration::from_millis(200)), Ok(()));
        assert!(bucket.try_take(start + Duration::from_millis(300)).is_err());
        // A long pause refills only up to the burst.
        let later = start + Duration::from_secs(60);
        for _ in 0..3 {
            assert_eq!(bucket.try_take(later), Ok(()));
        }
        assert!(bucket.try_take(later).is_err());
    }

    #[test]
    fn bad_settings_are_refused() {
        let now = Instant::now();
        assert_eq!(
            TokenBucket::new(0.0, 1, now).err(),
            Some(RateLimitError::Qps(0.0))
        );
        assert!(TokenBucket::new(f64::NAN, 1, now).is_err());
        assert_eq!(
            TokenBucket::new(1.0, 0, now).err(),
            Some(RateLimitError::Burst)
        );
        assert!(RateLimitLayer::new(-1.0, 10).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn the_service_spaces_requests_after_the_burst() {
        use tower_test::mock;
        let layer = RateLimitLayer::new(10.0, 2).expect("valid");
        let (service, mut handle) = mock::pair::<u32, u32>();
        let mut service = layer.layer(service);
        let answer = tokio::spawn(async move {
            while let Some((request, reply)) = handle.next_request().await {
                reply.send_response(request);
            }
        });
        let start = Instant::now();
        let mut sent_at = Vec::new();
        for i in 0..5 {
            std::future::poll_fn(|cx| service.poll_ready(cx))
                .await
                .expect("ready");
            sent_at.push(start.elapsed());
            assert_eq!(service.call(i).await.expect("answered"), i);
        }
        drop(service);
        answer.await.expect("mock task");
        let millis: Vec<u128> = sent_at.iter().map(Duration::as_millis).collect();
        assert_eq!(millis, [0, 0, 100, 200, 300]);
    }
}
