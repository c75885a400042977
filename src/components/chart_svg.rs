//! A chart's SVG drawn at the width of its card: measured once the page runs in a browser and
//! again when the window is resized. On the server (and without JavaScript) it is drawn at a
//! default width and scales to fit.
use leptos::{html::Div, prelude::*};

/// The narrowest a chart is drawn (its axis labels need the room).
const MIN_WIDTH: u32 = 280;

/// `draw(width, height)` shown as the inner SVG of an `img` box named `label`.
#[component]
pub fn ChartSvg<F>(
    /// What the chart shows, for screen readers.
    #[prop(into)]
    label: Signal<String>,
    /// Drawing height in pixels.
    height: u32,
    /// Drawing width before the box is measured.
    default_width: u32,
    /// Draws the SVG at a size.
    draw: F,
) -> impl IntoView
where
    F: Fn(u32, u32) -> String + Send + Sync + 'static,
{
    let node = NodeRef::<Div>::new();
    let width = RwSignal::new(default_width);
    #[cfg(feature = "hydrate")]
    {
        let measure = move || {
            if let Some(el) = node.get_untracked() {
                let measured = u32::try_from(el.client_width()).unwrap_or(0);
                if measured > 0 {
                    width.set(measured.max(MIN_WIDTH));
                }
            }
        };
        Effect::new(move |_| {
            if node.get().is_some() {
                measure();
            }
        });
        let handle = window_event_listener(leptos::ev::resize, move |_| measure());
        on_cleanup(move || handle.remove());
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = MIN_WIDTH;
    view! {
        <div
            class="chart-svg"
            node_ref=node
            role="img"
            aria-label=label
            inner_html=move || draw(width.get(), height)
        ></div>
    }
}
