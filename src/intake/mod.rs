//! The intake behind the browser forms and the API: what a submission gives back, such as the
//! receipt as a PDF.

pub mod pdf;
