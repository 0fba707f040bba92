//! A bounded fuzzing run, part of every `cargo test`: the seed corpus as
//! written and mutated, then generated cases (see `docs/fuzzing.md`).

mod fuzz;

use std::panic::{self, AssertUnwindSafe};

use fuzz::driver::Failure;
use fuzz::seeds::{
    generate, generate_into, load_seeds, minimize, mutate_and_run_into, panic_text, Case,
};

/// Generated cases per run: a few seconds in a debug build.
const GENERATED: u64 = 2_000;
/// Variations run per seed file.
const MUTATIONS: u64 = 30;

/// Runs `case_fn`, which builds its case in the one it is given; on a
/// failure or a panic, fails with a minimised reproduction in the seed format.
#[track_caller]
fn check(what: &str, case_fn: impl FnOnce(&mut Case) -> Result<(), Failure>) {
    let mut case = Case::default();
    let failure = match panic::catch_unwind(AssertUnwindSafe(|| case_fn(&mut case))) {
        Ok(Ok(())) => return,
        Ok(Err(f)) => format!("failed at step {}: {}", f.step, f.message),
        Err(payload) => panic_text(&payload),
    };
    let small = minimize(&case);
    panic!(
        "{what} {failure}\nminimised reproduction (save under tests/fuzz/seeds/):\n{}",
        small.to_text()
    );
}

#[test]
fn every_seed_passes_as_written() {
    let seeds = load_seeds();
    assert!(seeds.len() >= 5, "the corpus is there");
    for (name, case) in seeds {
        check(&name, |c| {
            c.clone_from(&case);
            c.run()
        });
    }
}

#[test]
fn mutated_seeds_pass() {
    for (name, case) in load_seeds() {
        for i in 0..MUTATIONS {
            check(&format!("{name}, mutation {i}"), |c| {
                mutate_and_run_into(&case, i, c)
            });
        }
    }
}

#[test]
fn generated_cases_pass() {
    for seed in 0..GENERATED {
        check(&format!("generated case {seed}"), |c| {
            generate_into(seed, c)
        });
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
