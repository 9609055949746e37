//! Progress on standard error while probes run: a spinner naming the probes in flight, shown
//! only on a terminal, only for human formats, and only once a run has taken [`DELAY`]; cleared
//! before the report is printed. Pipes, files and JSON never see it.

use hwcheck_probe::Observer;
use hwcheck_render::Format;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

/// A run quicker than this shows no progress at all.
pub const DELAY: Duration = Duration::from_millis(300);
/// How often the spinner turns.
const TICK: Duration = Duration::from_millis(120);

/// Whether progress is shown for output in `format`: standard error is a terminal and the
/// output is for people.
pub fn wanted(format: Format) -> bool {
    !format.is_machine() && std::io::stderr().is_terminal()
}

/// The spinner of one run; [`Progress::finish`] (or dropping it) clears it.
pub struct Progress {
    /// The bar, hidden until [`DELAY`] has passed.
    bar: ProgressBar,
    /// Probes in flight, in start order.
    in_flight: Mutex<Vec<String>>,
    /// Tells the drawing thread that the run ended.
    done: Option<mpsc::Sender<()>>,
    /// Shows the bar after [`DELAY`] and clears it at the end.
    drawer: Option<JoinHandle<()>>,
}

impl Progress {
    /// Progress for a run whose output is in `format`: drawn only when [`wanted`].
    pub fn start(format: Format) -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed} {wide_msg}") {
            bar.set_style(style);
        }
        let (done, drawer) = if wanted(format) {
            let (tx, rx) = mpsc::channel::<()>();
            let shown = bar.clone();
            let drawer = std::thread::spawn(move || {
                if rx.recv_timeout(DELAY) != Err(RecvTimeoutError::Timeout) {
                    return;
                }
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(TICK);
                let _ = rx.recv();
                shown.finish_and_clear();
            });
            (Some(tx), Some(drawer))
        } else {
            (None, None)
        };
        Progress {
            bar,
            in_flight: Mutex::new(Vec::new()),
            done,
            drawer,
        }
    }

    /// Runs `work` as the step `step`, shown while it runs.
    pub fn step<T>(&self, step: &str, work: impl FnOnce() -> T) -> T {
        self.started(step);
        let value = work();
        self.finished(step);
        value
    }

    /// Clears the spinner (if it was shown) and waits until it is gone from the terminal.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        drop(self.done.take());
        if let Some(drawer) = self.drawer.take() {
            let _ = drawer.join();
        }
    }

    fn show(&self, in_flight: &[String]) {
        self.bar.set_message(if in_flight.is_empty() {
            "probing".to_string()
        } else {
            format!("probing: {}", in_flight.join(", "))
        });
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.stop();
    }
}

impl Observer for Progress {
    fn started(&self, step: &str) {
        if let Ok(mut steps) = self.in_flight.lock() {
            steps.push(label(step).to_string());
            self.show(&steps);
        }
    }

    fn finished(&self, step: &str) {
        if let Ok(mut steps) = self.in_flight.lock() {
            if let Some(i) = steps.iter().position(|s| s == label(step)) {
                steps.remove(i);
            }
            self.show(&steps);
        }
    }
}

/// What a probe step is called on screen.
fn label(step: &str) -> &str {
    match step {
        "nvml" => "NVIDIA driver (NVML)",
        "cuda_init" => "cuInit",
        "libraries" => "CUDA libraries",
        "onnxruntime" => "ONNX Runtime sessions and detection",
        "kernels" => "kernel images",
        "kernel_module" => "kernel module",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_formats_never_show_progress() {
        for format in [Format::Json, Format::Junit, Format::Nfd, Format::Prometheus] {
            assert!(!wanted(format), "{format:?}");
        }
    }

    #[test]
    fn steps_in_flight_are_listed_until_they_end() {
        let progress = Progress::start(Format::Json);
        progress.started("nvml");
        progress.step("onnxruntime", || {
            assert_eq!(
                progress.bar.message(),
                "probing: NVIDIA driver (NVML), ONNX Runtime sessions and detection"
            );
        });
        assert_eq!(progress.bar.message(), "probing: NVIDIA driver (NVML)");
        progress.finish();
    }
}
