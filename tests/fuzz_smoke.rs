//! A bounded fuzzing run, part of every `cargo test`: the seed corpus as
//! written and mutated, then generated cases (see `docs/fuzzing.md`).

mod fuzz;

use std::panic::{self, AssertUnwindSafe};

use fuzz::driver::Failure;
use fuzz::seeds::{generate, load_seeds, minimize, mutate_and_run, panic_text, Case};

/// Generated cases per run: a few seconds in a debug build.
const GENERATED: u64 = 2_000;
/// Variations run per seed file.
const MUTATIONS: u64 = 30;

/// Runs `case_fn`; on a failure or a panic, fails with a minimised
/// reproduction in the seed format.
#[track_caller]
fn check(what: &str, case_fn: impl FnOnce() -> (Case, Result<(), Failure>)) {
    let (case, result) = match panic::catch_unwind(AssertUnwindSafe(case_fn)) {
        Ok(ran) => ran,
        Err(payload) => panic!("{what}: {}", panic_text(&payload)),
    };
    if let Err(f) = result {
        let small = minimize(&case);
        panic!(
            "{what} failed at step {}: {}\nminimised reproduction (save under tests/fuzz/seeds/):\n{}",
            f.step,
            f.message,
            small.to_text()
        );
    }
}

#[test]
fn every_seed_passes_as_written() {
    let seeds = load_seeds();
    assert!(seeds.len() >= 5, "the corpus is there");
    for (name, case) in seeds {
        check(&name, || {
            let result = case.run();
            (case, result)
        });
    }
}

#[test]
fn mutated_seeds_pass() {
    for (name, case) in load_seeds() {
        for i in 0..MUTATIONS {
            check(&format!("{name}, mutation {i}"), || {
                mutate_and_run(&case, i)
            });
        }
    }
}

#[test]
fn generated_cases_pass() {
    for seed in 0..GENERATED {
        check(&format!("generated case {seed}"), || generate(seed));
    }
}

#[test]
fn cases_survive_the_seed_format() {
    for seed in 0..50 {
        let (case, _) = generate(seed);
        let text = case.to_text();
        let back = Case::parse(&text).expect("a printed case parses");
        assert_eq!(back, case, "seed {seed}:\n{text}");
    }
}
