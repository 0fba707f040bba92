//! The long fuzzing campaign, run on request only (CI runs ignored tests
//! too, so without `BANTER_FUZZ_EXECS` this returns at once):
//!
//! ```text
//! BANTER_FUZZ_EXECS=10000000 BANTER_FUZZ_SEED=1 nice -n 10 cargo test --release \
//!     --no-default-features --test fuzz_long -- --include-ignored --nocapture
//! ```
//!
//! One execution is one case (50 to 200 steps); every eighth is a mutated
//! seed, the rest are generated. See `docs/fuzzing.md`.

mod fuzz;

use std::panic::{self, AssertUnwindSafe};
use std::time::Instant;

use fuzz::gen::Rng;
use fuzz::seeds::{generate_into, load_seeds, minimize, mutate_and_run_into, panic_text, Case};

const DEFAULT_EXECS: u64 = 10_000_000;

/// The seed of case `i` of a campaign: printed on failure, and enough to
/// run that case again with `generate` (or `mutate_and_run`).
fn case_seed(base: u64, i: u64) -> u64 {
    Rng::new(base ^ i.wrapping_mul(0xD1B5_4A32_D192_ED03)).next_u64()
}

#[test]
#[ignore = "the long campaign: set BANTER_FUZZ_EXECS"]
fn long_campaign() {
    let Ok(execs) = std::env::var("BANTER_FUZZ_EXECS") else {
        println!("fuzz_long: skipped (set BANTER_FUZZ_EXECS, e.g. 10000000, to run)");
        return;
    };
    let execs: u64 = execs.parse().unwrap_or(DEFAULT_EXECS);
    let base: u64 = std::env::var("BANTER_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let seeds = load_seeds();
    println!(
        "fuzz_long: {execs} executions from seed {base}, {} seed files",
        seeds.len()
    );
    let start = Instant::now();
    let mut steps: u64 = 0;
    let mut last_report = Instant::now();
    // Reused, so its buffers are allocated once.
    let mut case = Case::default();
    for i in 0..execs {
        let seed = case_seed(base, i);
        let mutated = i % 8 == 7;
        let ran = panic::catch_unwind(AssertUnwindSafe(|| {
            if mutated {
                let (_, seed_case) = &seeds[(seed % seeds.len() as u64) as usize];
                mutate_and_run_into(seed_case, seed, &mut case)
            } else {
                generate_into(seed, &mut case)
            }
        }));
        let result = match ran {
            Ok(result) => result,
            // The case holds every action up to the one that panicked.
            Err(payload) => {
                let small = minimize(&case);
                panic!(
                    "case {i} (seed {seed}, mutated {mutated}): {}\nminimised:\n{}",
                    panic_text(&payload),
                    small.to_text()
                );
            }
        };
        steps += case.actions.len() as u64;
        if let Err(f) = result {
            let small = minimize(&case);
            panic!(
                "case {i} (seed {seed}, mutated {mutated}) failed at step {}: {}\nminimised:\n{}",
                f.step,
                f.message,
                small.to_text()
            );
        }
        if last_report.elapsed().as_secs() >= 60 {
            last_report = Instant::now();
            let secs = start.elapsed().as_secs_f64();
            println!(
                "fuzz_long: {} executions, {steps} steps, {secs:.0} s, {:.0} exec/s",
                i + 1,
                (i + 1) as f64 / secs
            );
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "fuzz_long: done: {execs} executions, {steps} steps, seed {base}, {secs:.1} s, {:.0} exec/s",
        execs as f64 / secs
    );
}
