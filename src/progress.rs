//! Progress of long command-line work that cannot count its own steps — one migration's SQL,
//! say: a heartbeat line through the log (stderr) every so often while it runs, so an operator
//! watching `samverkan migrate` on a large database can tell slow from stuck.

use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How often [`with_heartbeat`] reports by default.
pub const HEARTBEAT: Duration = Duration::from_secs(5);

/// Runs `work` on this thread; while it runs, a helper thread calls `tick` with the time spent
/// so far every `every`. Returns what `work` returns, as soon as it returns.
pub fn with_heartbeat<T>(
    every: Duration,
    tick: impl Fn(Duration) + Send,
    work: impl FnOnce() -> T,
) -> T {
    let started = Instant::now();
    let (done, finished) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        scope.spawn(move || {
            // Disconnected (the sender dropped) means `work` returned.
            while let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(every) {
                tick(started.elapsed());
            }
        });
        let out = work();
        drop(done);
        out
    })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn long_work_ticks_while_it_runs_and_short_work_never_does() {
        let ticks = AtomicUsize::new(0);
        let out = with_heartbeat(
            Duration::from_millis(20),
            |_| {
                ticks.fetch_add(1, Ordering::SeqCst);
            },
            || {
                std::thread::sleep(Duration::from_millis(300));
                7
            },
        );
        assert_eq!(out, 7);
        // 15 intervals of work; a busy machine may deliver fewer ticks, never none.
        let long = ticks.swap(0, Ordering::SeqCst);
        assert!((1..=15).contains(&long), "{long} ticks");

        with_heartbeat(
            Duration::from_secs(5),
            |_| {
                ticks.fetch_add(1, Ordering::SeqCst);
            },
            || (),
        );
        assert_eq!(ticks.load(Ordering::SeqCst), 0);
    }
}
