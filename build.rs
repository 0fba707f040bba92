//! Compiles the Slint UI markup under `ui/` when the `gui` feature is on.

fn main() {
    #[cfg(feature = "gui")]
    {
        let config = slint_build::CompilerConfiguration::new().with_style("fluent".into());
        slint_build::compile_with_config("ui/app.slint", config)
            .expect("the UI markup in ui/ compiles");
    }
}
