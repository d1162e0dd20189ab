//! Demo app entry point.
fn main() {
    yew::Renderer::<yew_clerk_app::App>::new().render();
}
