//! The browser half of `bench --browser`: build the release page, serve it with the companion,
//! drive it in headless Chromium (`tests/browser/bench.mjs`) and read back its figures as typed
//! data. A figure renamed or dropped on the JavaScript side fails here, when parsed, instead of
//! turning into a silent blank in the report.

use crate::server::Background;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Figures measured in headless Chromium on the release page.
#[derive(Debug, Serialize)]
pub struct Browser {
    /// What the page reported.
    pub figures: Figures,
    /// Release wasm size in bytes.
    pub wasm_bytes: u64,
    /// The same, gzipped (-9).
    pub wasm_gzip_bytes: u64,
}

/// What `bench.mjs` prints: one JSON object, exactly these fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Figures {
    /// Navigation start to a usable Run button, ms (the same as `start.run_enabled_ms`; kept
    /// for readers of earlier reports).
    pub tti_ms: Stats,
    /// Start-up over fresh loads (a new browser profile each), served with COOP/COEP.
    pub start: StartFigures,
    /// The same on an emulated slower network.
    pub start_slow: SlowStartFigures,
    /// One hop through the browser's microtask queue, µs: the floor under an async task's wake.
    pub microtask_us: Stats,
    /// The same on a host that sends no headers, where the service worker isolates the page.
    pub static_host: StaticHostFigures,
    /// cpu at the benchmark's N, per browser strategy.
    pub cpu: CpuFigures,
    /// The timed cpu runs again, each beside the native round run just before it (empty when
    /// `bench.mjs` ran on its own, with nobody to answer for the native side).
    #[serde(default)]
    pub cpu_paired: Vec<CpuRound>,
    /// Async io, all pages at once.
    pub io_async: IoFigures,
    /// The page's verdict after the io runs.
    pub io_verdict: String,
    /// The browser's task-cost ladder.
    pub ladder: Vec<Rung>,
    /// "Count all" in the explorer, race unsynchronized 2 workers × 2 rounds, ms.
    pub explore_ms: Stats,
    /// "Check all" on race unsynchronized 3 workers × 3 rounds in the page's web worker.
    pub explore_program: ProgramPageFigures,
    /// The event-loop recorder's cost per poll in the page (ns, not ms, in these stats).
    pub recorder: RecorderFigures,
}

/// Start-up of the page over fresh loads, ms from the navigation's start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartFigures {
    /// To the lesson picker on the screen (the first screen a learner can use).
    pub picker_ms: Stats,
    /// To the Run button enabled.
    pub run_enabled_ms: Stats,
    /// Bodies that crossed the network by then, KB as sent (compressed where the server
    /// compressed them).
    pub transferred_kb: Stats,
}

/// Start-up over fresh loads on an emulated slower network (Chromium's throttling), where the
/// page's weight shows as it does not over loopback.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlowStartFigures {
    /// Download (and upload) bandwidth, Mbit/s.
    pub mbps: f64,
    /// Added round-trip latency, ms.
    pub latency_ms: f64,
    /// To the lesson picker on the screen.
    pub picker_ms: Stats,
    /// To the Run button enabled.
    pub run_enabled_ms: Stats,
}

/// Start-up on a host that sends no headers (`python3 -m http.server` over `dist/`), navigation
/// to an isolated page with its Run button, ms: the first visit installs the service worker and
/// reloads once; later visits start under it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticHostFigures {
    /// A visitor's first load, the one reload included.
    pub first_visit_ms: Stats,
    /// Every later load.
    pub later_visit_ms: Stats,
}

/// The explorer's program engine in the page, on the race 3 × 3 model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramPageFigures {
    /// Time inside the worker, ms.
    pub race_3x3_ms: Stats,
    /// States it visited.
    pub states: u64,
    /// The worker's memory at the end (its peak), MiB.
    pub memory_mib: f64,
}

/// The recorder's cost per poll on the page's clock, nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecorderFigures {
    /// A bare poll.
    pub bare_ns: Stats,
    /// The same poll through the recorder.
    pub traced_ns: Stats,
}

/// Spread of repeated timings, ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stats {
    /// Median.
    pub median: f64,
    /// Fastest.
    pub min: f64,
    /// Slowest.
    pub max: f64,
    /// Timed runs.
    pub runs: u32,
}

/// One cpu strategy in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CpuStrategy {
    /// Median wall, ms.
    pub median: f64,
    /// Fastest, ms.
    pub min: f64,
    /// Slowest, ms.
    pub max: f64,
    /// Timed runs.
    pub runs: u32,
    /// Workers that ran tasks.
    pub workers_used: u32,
}

/// The cpu strategies the benchmark times in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CpuFigures {
    /// The main thread.
    pub sequential: CpuStrategy,
    /// The shared-memory pool.
    pub pool: CpuStrategy,
    /// Message-passing workers.
    pub workers: CpuStrategy,
}

/// What the caller answers to `bench.mjs`'s `@native-cpu`: one native sequential run and one
/// rayon run at the page's N and workers, ms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NativeRound {
    /// Native sequential, ms.
    pub sequential_ms: f64,
    /// Native rayon, ms.
    pub rayon_ms: f64,
}

/// One round of the paired cpu runs: a native round and the page's timed run right after it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CpuRound {
    /// Native sequential, ms.
    pub native_sequential_ms: f64,
    /// Native rayon, ms.
    pub native_rayon_ms: f64,
    /// The page's sequential (main thread), ms.
    pub wasm_sequential_ms: f64,
    /// The page's shared-memory pool, ms.
    pub wasm_pool_ms: f64,
}

/// Async io in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IoFigures {
    /// Median wall, ms.
    pub median: f64,
    /// Fastest, ms.
    pub min: f64,
    /// Slowest, ms.
    pub max: f64,
    /// Timed runs.
    pub runs: u32,
    /// Pages per run.
    pub pages: u32,
    /// Server-side delay per page, ms.
    pub latency_ms: f64,
}

/// One rung of the browser's ladder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rung {
    /// The strategy measured.
    pub what: String,
    /// Microseconds per task, the median run.
    pub us_per_task: f64,
    /// The fastest run, µs per task.
    pub min_us: f64,
    /// The slowest run, µs per task.
    pub max_us: f64,
}

/// `PATH` with the repository's `node_modules/.bin` first.
fn node_path() -> Result<String> {
    Ok(format!(
        "{}/node_modules/.bin:{}",
        std::env::current_dir()?.display(),
        std::env::var("PATH").unwrap_or_default()
    ))
}

/// Build the release page into `dist/` (`trunk build --release`).
fn build_page() -> Result<()> {
    if !std::path::Path::new("Trunk.toml").exists()
        || !std::path::Path::new("tests/browser/claims.mjs").exists()
    {
        anyhow::bail!(
            "the browser half builds the page: run it from the repository root (where Trunk.toml is)"
        );
    }
    eprintln!("building the release page (trunk build --release)…");
    let built = Command::new("trunk")
        .args(["build", "--release"])
        .env("PATH", node_path()?)
        .env("TRUNK_SKIP_VERSION_CHECK", "true")
        .status()
        .context("cannot run trunk (scripts/setup installs it)")?;
    if !built.success() {
        anyhow::bail!("trunk build --release failed");
    }
    Ok(())
}

/// The teaching-integrity tally in the browser: `runs` fresh page loads per lesson that has
/// browser strategies, at its defaults, as a page and as an embed (`tests/browser/claims.mjs`).
pub fn claims(
    lessons: &[interleave_shared::LessonId],
    runs: u32,
) -> Result<Vec<super::claims::ClaimTally>> {
    build_page()?;
    let names: Vec<&str> = lessons
        .iter()
        .filter(|l| !l.info().web.is_empty())
        .map(|l| l.name())
        .collect();
    let server = Background::start_serving(Some("dist".into()))?;
    eprintln!(
        "loading each lesson {runs} times in headless Chromium at {}…",
        server.base
    );
    let out = Command::new("node")
        .args([
            "tests/browser/claims.mjs",
            &server.base,
            &runs.to_string(),
            &names.join(","),
        ])
        .env("PATH", node_path()?)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run node (scripts/setup installs playwright-core)")?;
    drop(server);
    if !out.status.success() {
        anyhow::bail!("the browser tally failed ({})", out.status);
    }
    serde_json::from_slice(&out.stdout)
        .context("claims.mjs printed tallies this build does not read (tests/browser/claims.mjs and bench/claims.rs must agree)")
}

/// Build the release page, serve it with the companion, and measure it in Chromium.
/// `native_round` runs one native round whenever `bench.mjs` asks for one (before each timed
/// cpu run in the page), so P2 and P3 compare runs taken a second apart.
pub fn measure(
    size: u64,
    workers: u32,
    repeat: u32,
    native_round: &mut dyn FnMut() -> Result<NativeRound>,
) -> Result<Browser> {
    if !std::path::Path::new("tests/browser/bench.mjs").exists() {
        anyhow::bail!(
            "bench --browser builds the page: run it from the repository root (where Trunk.toml is)"
        );
    }
    build_page()?;
    let wasm = std::fs::read_dir("dist")?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))
        .context("no .wasm in dist/")?;
    let wasm_bytes = std::fs::metadata(&wasm)?.len();
    let gz = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&wasm)
        .output()
        .context("cannot run gzip")?;
    let server = Background::start_serving(Some("dist".into()))?;
    eprintln!(
        "measuring the page in headless Chromium at {}…",
        server.base
    );
    let child = Command::new("node")
        .args([
            "tests/browser/bench.mjs",
            &server.base,
            &size.to_string(),
            &workers.to_string(),
            &repeat.to_string(),
            "60",
            "100",
        ])
        .env("PATH", node_path()?)
        .env("INTERLEAVE_BENCH_PAIRED", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("cannot run node (scripts/setup installs playwright-core)")?;
    let mut driver = Driver(child);
    let printed = driver.converse(native_round)?;
    let status = driver.finish()?;
    drop(server);
    if !status.success() {
        anyhow::bail!("the browser benchmark failed ({status})");
    }
    Ok(Browser {
        figures: serde_json::from_str(&printed)
            .context("bench.mjs printed figures this build does not read (tests/browser/bench.mjs and bench/browser.rs must agree)")?,
        wasm_bytes,
        wasm_gzip_bytes: gz.stdout.len() as u64,
    })
}

/// The line `bench.mjs` writes when it wants a native round.
const ASK_NATIVE: &str = "@native-cpu";

/// `bench.mjs` running, with its stdin and stdout piped. Dropped before it ended (a native
/// round failed, or reading failed), it gets its stdin closed, which `bench.mjs` takes as the
/// end (it fails, and Playwright closes its browser on the way out), and is killed if it has
/// not ended a few seconds later: no browser or driver is left behind.
struct Driver(Child);

impl Driver {
    /// Answer every `@native-cpu` until `bench.mjs` closes its stdout; everything else it
    /// printed (its figures) is returned.
    fn converse(
        &mut self,
        native_round: &mut dyn FnMut() -> Result<NativeRound>,
    ) -> Result<String> {
        let stdout = self.0.stdout.take().context("bench.mjs has no stdout")?;
        let mut printed = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.context("reading bench.mjs's output")?;
            if line.trim() == ASK_NATIVE {
                let answer = serde_json::to_string(&native_round()?)?;
                let stdin = self.0.stdin.as_mut().context("bench.mjs has no stdin")?;
                writeln!(stdin, "{answer}").context("answering bench.mjs")?;
                stdin.flush()?;
            } else {
                printed.push_str(&line);
                printed.push('\n');
            }
        }
        Ok(printed)
    }

    /// Close its stdin and wait for it to end.
    fn finish(&mut self) -> Result<std::process::ExitStatus> {
        drop(self.0.stdin.take());
        Ok(self.0.wait()?)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if !matches!(self.0.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRINTED: &str = r#"{"tti_ms":{"median":120,"min":110,"max":130,"runs":3},
      "start":{"picker_ms":{"median":100,"min":90,"max":120,"runs":5},
               "run_enabled_ms":{"median":120,"min":110,"max":130,"runs":5},
               "transferred_kb":{"median":498,"min":498,"max":499,"runs":5}},
      "start_slow":{"mbps":10,"latency_ms":20,
                    "picker_ms":{"median":800,"min":700,"max":900,"runs":5},
                    "run_enabled_ms":{"median":810,"min":700,"max":910,"runs":5}},
      "microtask_us":{"median":1.4,"min":1.3,"max":2.2,"runs":5},
      "static_host":{"first_visit_ms":{"median":900,"min":850,"max":990,"runs":3},
                     "later_visit_ms":{"median":400,"min":380,"max":450,"runs":3}},
      "cpu":{"sequential":{"median":20,"min":19,"max":22,"runs":5,"workers_used":1},
             "pool":{"median":11,"min":10,"max":12,"runs":5,"workers_used":2},
             "workers":{"median":40,"min":38,"max":45,"runs":5,"workers_used":2}},
      "cpu_paired":[{"native_sequential_ms":19,"native_rayon_ms":10,"wasm_sequential_ms":20,"wasm_pool_ms":11}],
      "io_async":{"median":1060,"min":1000,"max":1100,"runs":5,"pages":60,"latency_ms":100},
      "io_verdict":"In the browser, async took 1.06 s.",
      "ladder":[{"what":"async-task","us_per_task":2.5,"min_us":2.1,"max_us":3.0}],
      "explore_ms":{"median":30,"min":25,"max":40,"runs":5},
      "explore_program":{"race_3x3_ms":{"median":2700,"min":2650,"max":2800,"runs":3},
                         "states":8610297,"memory_mib":300},
      "recorder":{"bare_ns":{"median":2,"min":2,"max":2.2,"runs":5},
                  "traced_ns":{"median":275,"min":269,"max":314,"runs":5}}}"#;

    #[test]
    fn what_bench_mjs_prints_parses_into_typed_figures() {
        let f: Figures = serde_json::from_str(PRINTED).unwrap();
        assert_eq!(f.cpu.pool.workers_used, 2);
        assert_eq!(f.io_async.latency_ms, 100.0);
        assert_eq!(f.ladder[0].what, "async-task");
        assert_eq!(f.recorder.traced_ns.median, 275.0);
        assert_eq!(f.explore_program.states, 8_610_297);
        assert_eq!(f.static_host.first_visit_ms.median, 900.0);
        assert_eq!(f.start.picker_ms.median, 100.0);
        assert_eq!(f.start.transferred_kb.median, 498.0);
        assert_eq!(f.start_slow.mbps, 10.0);
        assert_eq!(f.start_slow.run_enabled_ms.median, 810.0);
        assert_eq!(f.microtask_us.median, 1.4);
        assert_eq!(f.cpu_paired[0].wasm_pool_ms, 11.0);
    }

    /// `bench.mjs` run on its own prints no rounds; its figures still parse.
    #[test]
    fn figures_without_paired_rounds_parse() {
        let start = PRINTED.find("\"cpu_paired\"").unwrap();
        let end = start + PRINTED[start..].find("]").unwrap() + 2;
        let alone = format!("{}{}", &PRINTED[..start], &PRINTED[end..]);
        let f: Figures = serde_json::from_str(&alone).unwrap();
        assert!(f.cpu_paired.is_empty());
    }

    fn sh(script: &str) -> Driver {
        Driver(
            Command::new("sh")
                .args(["-c", script])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .unwrap(),
        )
    }

    /// Each `@native-cpu` is answered with one line of JSON, in order, and the rest of what the
    /// driver prints comes back as its figures.
    #[test]
    fn the_driver_gets_a_native_round_each_time_it_asks() {
        let mut driver =
            sh("echo @native-cpu; read a; echo @native-cpu; read b; printf '%s|%s' \"$a\" \"$b\"");
        let mut n = 0.0;
        let printed = driver
            .converse(&mut || {
                n += 1.0;
                Ok(NativeRound {
                    sequential_ms: n,
                    rayon_ms: n / 2.0,
                })
            })
            .unwrap();
        assert!(driver.finish().unwrap().success());
        assert_eq!(
            printed.trim(),
            r#"{"sequential_ms":1.0,"rayon_ms":0.5}|{"sequential_ms":2.0,"rayon_ms":1.0}"#
        );
    }

    /// A native round that fails ends the conversation with its error, and the driver is
    /// stopped even if it ignores its closed stdin.
    #[test]
    fn a_failed_native_round_stops_the_driver() {
        let mut driver = sh("echo @native-cpu; exec sleep 60");
        let pid = driver.0.id();
        let err = driver
            .converse(&mut || anyhow::bail!("native rayon gave no exact result"))
            .unwrap_err();
        assert!(err.to_string().contains("no exact result"), "{err}");
        let started = Instant::now();
        drop(driver);
        assert!(started.elapsed() < Duration::from_secs(10));
        let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
        assert!(!alive, "the driver {pid} outlived its handle");
    }

    #[test]
    fn a_renamed_or_missing_figure_fails_to_parse() {
        let renamed = PRINTED.replace("\"io_async\"", "\"io_asynchronous\"");
        assert!(serde_json::from_str::<Figures>(&renamed).is_err());
        let missing = PRINTED.replace(",\"workers_used\":1", "");
        assert!(serde_json::from_str::<Figures>(&missing).is_err());
    }
}
