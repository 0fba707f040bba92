//! `banter`: the desktop client.
fn main() {}
