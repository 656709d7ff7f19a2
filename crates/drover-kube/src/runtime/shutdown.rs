//! Shutdown on SIGTERM or SIGINT: the first asks for a graceful stop (running reconciles finish,
//! the leader Lease is released), a second one stops at once.

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;

/// How far shutdown has gone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// Running.
    Running,
    /// Asked to stop gracefully.
    Graceful,
    /// Asked to stop now.
    Forced,
}

/// Sets the shutdown stage (the signal handler, or a test).
#[derive(Debug)]
pub struct Trigger(watch::Sender<Stage>);

impl Trigger {
    /// Moves shutdown to `stage` (never back).
    pub fn advance(&self, stage: Stage) {
        self.0.send_if_modified(|current| {
            let later = stage > *current;
            if later {
                *current = stage;
            }
            later
        });
    }
}

/// Waits for shutdown stages. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Shutdown(watch::Receiver<Stage>);

impl Shutdown {
    /// A trigger and its receiver.
    pub fn new() -> (Trigger, Shutdown) {
        let (sender, receiver) = watch::channel(Stage::Running);
        (Trigger(sender), Shutdown(receiver))
    }

    /// Resolves once shutdown reached `stage` (or the trigger is gone).
    pub async fn reached(mut self, stage: Stage) {
        let _ = self.0.wait_for(|current| *current >= stage).await;
    }

    /// Resolves when a graceful stop was asked for.
    pub fn graceful(&self) -> impl Future<Output = ()> + Send + Sync + 'static {
        let (sender, receiver) = futures::channel::oneshot::channel::<()>();
        let this = self.clone();
        tokio::spawn(async move {
            this.reached(Stage::Graceful).await;
            let _ = sender.send(());
        });
        async move {
            let _ = receiver.await;
        }
    }
}

/// Installs the SIGTERM and SIGINT handlers: the first signal makes shutdown graceful, the
/// second forced.
pub fn on_signals() -> std::io::Result<Shutdown> {
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    let (trigger, shutdown) = Shutdown::new();
    tokio::spawn(async move {
        for stage in [Stage::Graceful, Stage::Forced] {
            let name = tokio::select! {
                _ = terminate.recv() => "SIGTERM",
                _ = interrupt.recv() => "SIGINT",
            };
            match stage {
                Stage::Graceful => tracing::info!(
                    signal = name,
                    "shutting down: running reconciles finish first (signal again to stop now)"
                ),
                _ => tracing::warn!(signal = name, "stopping now"),
            }
            trigger.advance(stage);
        }
    });
    Ok(shutdown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn stages_only_move_forward() {
        let (trigger, shutdown) = Shutdown::new();
        let graceful = tokio::spawn(shutdown.clone().reached(Stage::Graceful));
        let forced = tokio::spawn(shutdown.clone().reached(Stage::Forced));
        let from_graceful = shutdown.graceful();
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!graceful.is_finished());
        trigger.advance(Stage::Graceful);
        graceful.await.expect("graceful resolves");
        from_graceful.await;
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert!(!forced.is_finished(), "graceful is not forced");
        trigger.advance(Stage::Running);
        trigger.advance(Stage::Forced);
        forced.await.expect("forced resolves");
        assert_eq!(*shutdown.0.borrow(), Stage::Forced);
    }
}
