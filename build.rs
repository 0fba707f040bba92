//! Compiles the Slint UI markup under `ui/` when the `gui` feature is on.

fn main() {
    #[cfg(feature = "gui")]
    {
        // Element debug info lets the UI tests find elements by accessible
        // label; release builds leave it out.
        let debug = std::env::var("PROFILE").is_ok_and(|p| p == "debug");
        let config = slint_build::CompilerConfiguration::new()
            .with_style("fluent".into())
            .with_debug_info(debug);
        slint_build::compile_with_config("ui/app.slint", config)
            .expect("the UI markup in ui/ compiles");
    }
}
