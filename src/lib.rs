//! enrich: a self-hosted customer data platform. One crate, two builds: `ssr` (the axum server)
//! and `hydrate` (the WASM front end). See README.md for the architecture in brief.
#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod campaign;
pub mod components;
pub mod error;
pub mod model;
pub mod pages;
pub mod segment;
#[cfg(feature = "ssr")]
pub mod server;

/// Entry point of the WASM bundle: attaches the reactive app to the server-rendered HTML.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(app::App);
}
