//! Reusable views shared by several pages.

pub mod campaign_chart;
pub mod chart;
pub mod chart_colours;
pub mod chart_svg;
pub mod field;
pub mod form_fields;
pub mod import_progress;
pub mod live_charts;
pub mod live_socket;
pub mod load_error;
pub mod local_time;
pub mod nav;
pub mod session;
pub mod sparkline;
pub mod status;
pub mod url;

pub use chart::{DailyBarChart, render_daily_bars_svg};
pub use field::TextField;
pub use load_error::LoadError;
pub use local_time::{LocalTime, format_time};
pub use nav::Nav;
