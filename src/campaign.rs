//! Campaign logic shared by the server and the browser (results, previews).

pub mod significance;
