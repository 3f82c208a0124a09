//! Progress for people watching a terminal: rpub's progress bar and rsub's live counter on
//! stderr (indicatif), and the `--stats` summary both tools print on exit ([`Stats`]).
//!
//! A bar is drawn only when stderr is a terminal and neither `--quiet` nor `-d` is on, so
//! pipes, files and CI logs never see it. While one is shown, warnings (`cli::warn`) and report lines go
//! through [`suspend`], which clears the bar, prints, and redraws it, so lines never tear it.

use std::fmt::Display;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::tool::Tool;

/// The bar or counter on screen, if any.
static CURRENT: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Should progress be drawn? Only for a person: stderr is a terminal, not `--quiet`, and not
/// `-d`, whose packet trace fills stderr anyway (redrawing a bar around every trace line
/// would cost more than the publishing).
pub fn wanted(quiet: bool, debug: bool) -> bool {
    !quiet && !debug && std::io::stderr().is_terminal()
}

/// rpub's bar: with a known total, position, rate and ETA; without, a spinner with count and
/// rate. `unit` names what is counted ("acknowledged", "sent").
pub fn bar(total: Option<u64>, unit: &str) -> ProgressBar {
    let bar = match total {
        Some(n) => ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
    };
    let template = match total {
        Some(_) => format!("{{bar:30.cyan/blue}} {{pos}}/{{len}} {unit}  {{per_sec}}  ETA {{eta}}"),
        None => format!("{{spinner}} {{pos}} {unit}  {{per_sec}}  {{elapsed}}"),
    };
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    register(bar.clone());
    bar
}

/// rsub's live counter: messages, rate and bytes, updated with [`ProgressBar::set_position`]
/// and [`ProgressBar::set_message`].
pub fn counter() -> ProgressBar {
    spinner("{spinner} {pos} messages  {per_sec}  {msg}  {elapsed}")
}

/// rpub's line for a load run: what its message says (connected, sent, acknowledged), and the
/// rate of the position (the messages done).
pub fn load_line() -> ProgressBar {
    spinner("{spinner} {msg}  {per_sec}  {elapsed}")
}

fn spinner(template: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(Duration::from_millis(200));
    register(bar.clone());
    bar
}

fn register(bar: ProgressBar) {
    *CURRENT.lock().unwrap_or_else(|e| e.into_inner()) = Some(bar);
}

/// Run `f` (which prints) with the bar cleared, then redraw it.
pub fn suspend<R>(f: impl FnOnce() -> R) -> R {
    let bar = CURRENT.lock().unwrap_or_else(|e| e.into_inner()).clone();
    match bar {
        Some(bar) if !bar.is_finished() => bar.suspend(f),
        _ => f(),
    }
}

/// Remove the bar from the screen for good (before the final lines).
pub fn clear() {
    if let Some(bar) = CURRENT.lock().unwrap_or_else(|e| e.into_inner()).take() {
        bar.finish_and_clear();
    }
}

/// `--stats`: a clock that starts once connected, and the summary line printed on exit.
pub struct Stats {
    tool: Tool,
    started: Instant,
}

impl Stats {
    /// Start the clock.
    pub fn start(tool: Tool) -> Stats {
        Stats {
            tool,
            started: Instant::now(),
        }
    }

    /// The summary on stderr, `rpub: 10 messages, 10 sent, 50 B in 0.01s (1000 msg/s)`:
    /// how many `messages`, what became of them (`detail`), and the rate of those `done`.
    pub fn print(&self, messages: u64, detail: impl Display, done: u64) {
        eprintln!(
            "{}",
            self.line(messages, detail, done, self.started.elapsed())
        );
    }

    fn line(&self, messages: u64, detail: impl Display, done: u64, took: Duration) -> String {
        format!(
            "{}: {messages} messages, {detail} in {} ({})",
            self.tool,
            elapsed(took),
            rate(done, took)
        )
    }
}

/// Bytes as people read them: `512 B`, `1.5 KiB`, `3.2 MiB`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// `N msg/s` over `elapsed`.
pub fn rate(count: u64, elapsed: Duration) -> String {
    let secs = elapsed.as_secs_f64();
    if secs <= 0.0 {
        return "- msg/s".into();
    }
    format!("{:.0} msg/s", count as f64 / secs)
}

/// A duration for the summary: `0.52s`, `12.3s`, `2m 5s`.
pub fn elapsed(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 60.0 {
        format!("{secs:.2}s")
    } else {
        format!("{}m {}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(rate(100, Duration::from_secs(2)), "50 msg/s");
        assert_eq!(elapsed(Duration::from_millis(520)), "0.52s");
        assert_eq!(elapsed(Duration::from_secs(125)), "2m 5s");
    }

    #[test]
    fn the_stats_line() {
        let stats = Stats::start(Tool::Rsub);
        assert_eq!(
            stats.line(4, "2.0 KiB received", 4, Duration::from_secs(2)),
            "rsub: 4 messages, 2.0 KiB received in 2.00s (2 msg/s)"
        );
    }
}
