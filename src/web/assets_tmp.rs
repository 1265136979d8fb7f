pub fn url(name: &str) -> &'static str {
    Box::leak(format!("/static/{name}").into_boxed_str())
}
pub async fn serve(axum::extract::Path(_f): axum::extract::Path<String>) -> axum::http::StatusCode {
    axum::http::StatusCode::NOT_FOUND
}
