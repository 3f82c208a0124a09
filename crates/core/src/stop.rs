//! Ctrl+C and SIGTERM: the first asks the tool to stop cleanly (finish what is in flight,
//! send DISCONNECT, exit 130); a second one exits at once, for when the broker is gone.

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

use crate::exit::{Exit, Fail};

/// A stop request, shared by whatever wants to notice it.
#[derive(Clone)]
pub struct Stop {
    rx: watch::Receiver<bool>,
}

impl Stop {
    /// Install the handlers. Must run inside the runtime.
    pub fn install() -> Result<Stop, Fail> {
        let handler = |kind| {
            signal(kind).map_err(|e| {
                Fail::new(
                    Exit::Failure,
                    format!("cannot watch for Ctrl+C: {}", crate::io_error_text(&e)),
                )
            })
        };
        let mut interrupt = handler(SignalKind::interrupt())?;
        let mut terminate = handler(SignalKind::terminate())?;
        let (tx, rx) = watch::channel(false);
        tokio::spawn(async move {
            let mut seen = 0;
            loop {
                tokio::select! {
                    _ = interrupt.recv() => {}
                    _ = terminate.recv() => {}
                }
                seen += 1;
                if seen == 1 {
                    let _ = tx.send(true);
                } else {
                    std::process::exit(i32::from(Exit::Interrupted.code()));
                }
            }
        });
        Ok(Stop { rx })
    }

    /// Has a stop been asked for?
    pub fn requested(&self) -> bool {
        *self.rx.borrow()
    }

    /// Wait until a stop is asked for (at once if it already was).
    pub async fn wait(&mut self) {
        // An error means the handler task ended, which only happens at runtime shutdown.
        let _ = self.rx.wait_for(|stop| *stop).await;
    }
}
