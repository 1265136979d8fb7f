//! Front-end assets, embedded at build time and served under `/static/`.
//!
//! `build.rs` bundles the pinned npm packages (Designsystemet, htmx) and `static/` into the
//! binary, each with a content hash and precompressed gzip and brotli bodies. Templates link
//! to [`url`]`("site.css")` and so on; the hashed URL changes whenever the content does, so
//! responses are cacheable forever.
//!
//! Logical names: `site.css` (Designsystemet theme and components followed by our own
//! `static/app.css`), `htmx.min.js` and `app.js` (`static/app.js`).

use std::collections::HashMap;
use std::sync::LazyLock;

use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One embedded asset.
pub struct Asset {
    /// Logical name, e.g. `"site.css"`.
    pub name: &'static str,
    /// `Content-Type` to serve it with.
    pub content_type: &'static str,
    /// First 10 hex digits of the SHA-256 of `body`.
    pub hash: &'static str,
    /// The bytes as they are.
    pub body: &'static [u8],
    /// gzip-compressed body; empty when compression would not make it smaller.
    pub gzip: &'static [u8],
    /// brotli-compressed body; empty when compression would not make it smaller.
    pub br: &'static [u8],
}

// Defines `ASSETS: &[Asset]`.
include!(concat!(env!("OUT_DIR"), "/assets.rs"));

const PREFIX: &str = "/static/";
const CACHE_FOREVER: &str = "public, max-age=31536000, immutable";

struct Index {
    /// Logical name → URL.
    urls: HashMap<&'static str, &'static str>,
    /// Hashed file name (the URL's last segment) → asset.
    files: HashMap<&'static str, &'static Asset>,
}

static INDEX: LazyLock<Index> = LazyLock::new(|| {
    let mut urls = HashMap::new();
    let mut files = HashMap::new();
    for asset in ASSETS {
        let url: &'static str = Box::leak(hashed_url(asset.name, asset.hash).into_boxed_str());
        urls.insert(asset.name, url);
        files.insert(&url[PREFIX.len()..], asset);
    }
    Index { urls, files }
});

/// `/static/{stem}-{hash}.{ext}`, the extension being what follows the last dot.
fn hashed_url(name: &str, hash: &str) -> String {
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{PREFIX}{stem}-{hash}.{ext}"),
        None => format!("{PREFIX}{name}-{hash}"),
    }
}

/// Every embedded asset.
pub fn all() -> &'static [Asset] {
    ASSETS
}

/// The URL to use in templates: "/static/{stem}-{hash}.{ext}" (immutable, cacheable forever),
/// e.g. `url("htmx.min.js")` is `/static/htmx.min-0123456789.js`.
///
/// # Panics
/// On a name that is not one of the embedded assets. Templates pass fixed names, so this is a
/// programming error that the first render of the page shows; the unit tests check every name.
pub fn url(name: &str) -> &'static str {
    match INDEX.urls.get(name) {
        Some(url) => url,
        None => {
            let known: Vec<_> = ASSETS.iter().map(|a| a.name).collect();
            panic!("unknown asset {name:?}; the embedded assets are {known:?}")
        }
    }
}

/// The asset behind a hashed file name (the last segment of its URL).
pub fn find(path_segment: &str) -> Option<&'static Asset> {
    INDEX.files.get(path_segment).copied()
}

/// axum handler for GET /static/{file}: negotiates br > gzip > identity from Accept-Encoding,
/// sets Content-Type, Content-Encoding, Vary: Accept-Encoding, Cache-Control "public,
/// max-age=31536000, immutable", ETag; 404 for unknown; honours If-None-Match → 304.
pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(asset) = find(&file) else {
        return (
            StatusCode::NOT_FOUND,
            [
                (header::CACHE_CONTROL, "no-cache"),
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            ],
            "Not found",
        )
            .into_response();
    };

    let coding = negotiate(&headers, asset);
    // Each representation has its own entity tag; they share the content hash.
    let etag = match coding {
        Coding::Br => format!("\"{}-br\"", asset.hash),
        Coding::Gzip => format!("\"{}-gz\"", asset.hash),
        Coding::Identity => format!("\"{}\"", asset.hash),
    };
    let etag = HeaderValue::try_from(etag).expect("hash is hex");

    let mut response = if none_match(&headers, asset.hash) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let (body, encoding) = match coding {
            Coding::Br => (asset.br, Some("br")),
            Coding::Gzip => (asset.gzip, Some("gzip")),
            Coding::Identity => (asset.body, None),
        };
        let mut response = Response::new(Body::from(body));
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.content_type),
        );
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        if let Some(encoding) = encoding {
            h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        response
    };
    let h = response.headers_mut();
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_FOREVER),
    );
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(header::ETAG, etag);
    response
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Coding {
    Br,
    Gzip,
    Identity,
}

/// Picks the coding with the highest q-value that the client accepts and we have, preferring
/// br, then gzip, then identity on ties. Without Accept-Encoding, identity.
fn negotiate(headers: &HeaderMap, asset: &Asset) -> Coding {
    let (mut br, mut gzip, mut identity, mut star) = (None, None, None, None);
    for value in headers.get_all(header::ACCEPT_ENCODING) {
        let Ok(value) = value.to_str() else { continue };
        for item in value.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let mut q = Some(1.0_f32);
            for param in parts {
                if let Some((k, v)) = param.split_once('=')
                    && k.trim().eq_ignore_ascii_case("q")
                {
                    q = v
                        .trim()
                        .parse::<f32>()
                        .ok()
                        .filter(|q| (0.0..=1.0).contains(q));
                }
            }
            let Some(q) = q else { continue };
            let slot = if coding.eq_ignore_ascii_case("br") {
                &mut br
            } else if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                &mut gzip
            } else if coding.eq_ignore_ascii_case("identity") {
                &mut identity
            } else if coding == "*" {
                &mut star
            } else {
                continue;
            };
            *slot = Some(q);
        }
    }
    let br = br.or(star).unwrap_or(0.0);
    let gzip = gzip.or(star).unwrap_or(0.0);
    // Identity is acceptable unless refused, explicitly or through `*;q=0`.
    let identity = identity.or(star.filter(|q| *q == 0.0)).unwrap_or(0.001);

    let mut best = (Coding::Identity, identity);
    for (coding, q, have) in [
        (Coding::Gzip, gzip, !asset.gzip.is_empty()),
        (Coding::Br, br, !asset.br.is_empty()),
    ] {
        if have && q > 0.0 && q >= best.1 {
            best = (coding, q);
        }
    }
    // When nothing is acceptable, identity is still the most useful answer.
    best.0
}

/// Whether If-None-Match lists one of this asset's entity tags (weak comparison) or `*`.
fn none_match(headers: &HeaderMap, hash: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|value| {
            value.split(',').map(str::trim).any(|tag| {
                if tag == "*" {
                    return true;
                }
                let tag = tag.strip_prefix("W/").unwrap_or(tag);
                let Some(tag) = tag.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
                    return false;
                };
                tag.strip_prefix(hash)
                    .is_some_and(|rest| matches!(rest, "" | "-gz" | "-br"))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderName;
    use sha2::{Digest, Sha256};

    const NAMES: [&str; 3] = ["site.css", "htmx.min.js", "app.js"];

    fn file_of(name: &str) -> String {
        url(name).strip_prefix(PREFIX).unwrap().to_owned()
    }

    async fn get(file: &str, request_headers: &[(HeaderName, &str)]) -> Response {
        let mut headers = HeaderMap::new();
        for (name, value) in request_headers {
            headers.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        serve(Path(file.to_owned()), headers).await
    }

    fn header(response: &Response, name: HeaderName) -> Option<&str> {
        response.headers().get(name).map(|v| v.to_str().unwrap())
    }

    async fn body(response: Response) -> Vec<u8> {
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec()
    }

    #[test]
    fn every_template_name_has_a_hashed_url_that_finds_it() {
        let names: Vec<_> = all().iter().map(|a| a.name).collect();
        assert_eq!(names, NAMES);
        for name in NAMES {
            let url = url(name);
            let asset = find(url.strip_prefix(PREFIX).unwrap()).unwrap();
            assert_eq!(asset.name, name);
            assert!(url.contains(&format!("-{}.", asset.hash)), "{url}");
            let (stem, ext) = name.rsplit_once('.').unwrap();
            assert!(
                url.starts_with(&format!("/static/{stem}-")) && url.ends_with(&format!(".{ext}")),
                "{url}"
            );
        }
        assert_eq!(
            url("htmx.min.js"),
            format!(
                "/static/htmx.min-{}.js",
                find(&file_of("htmx.min.js")).unwrap().hash
            )
        );
        assert!(find("site.css").is_none());
        assert!(find("").is_none());
    }

    #[test]
    #[should_panic(expected = "unknown asset")]
    fn unknown_name_panics() {
        url("nope.css");
    }

    #[test]
    fn hashes_bodies_and_compressed_variants_are_consistent() {
        for asset in all() {
            let digest = Sha256::digest(asset.body);
            let hex: String = digest[..5].iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(asset.hash, hex, "{}", asset.name);
            assert!(!asset.body.is_empty(), "{}", asset.name);
            assert!(
                asset.gzip.starts_with(&[0x1f, 0x8b]),
                "{}: gzip",
                asset.name
            );
            assert!(
                !asset.br.is_empty() && asset.br.len() < asset.gzip.len(),
                "{}: br",
                asset.name
            );
            let expected = if asset.name.ends_with(".css") {
                "text/css; charset=utf-8"
            } else {
                "text/javascript; charset=utf-8"
            };
            assert_eq!(asset.content_type, expected);
        }
    }

    #[test]
    fn css_fetches_nothing_from_elsewhere() {
        for asset in all().iter().filter(|a| a.name.ends_with(".css")) {
            let css = std::str::from_utf8(asset.body).unwrap();
            assert!(!css.contains("@import"), "{}", asset.name);
            for url in css.split("url(").skip(1) {
                assert!(
                    url.trim_start_matches(['"', '\'']).starts_with("data:"),
                    "{}: url({url:.40}",
                    asset.name
                );
            }
        }
        let site = std::str::from_utf8(find(&file_of("site.css")).unwrap().body).unwrap();
        assert!(site.contains(".ds-button") && site.contains("--ds-color-accent-base-default"));
        assert!(
            site.contains(".visually-hidden"),
            "site.css ends with static/app.css"
        );
    }

    #[test]
    fn app_js_has_no_eval() {
        let js = std::str::from_utf8(find(&file_of("app.js")).unwrap().body).unwrap();
        assert!(!js.contains("eval(") && !js.contains("Function("));
    }

    #[tokio::test]
    async fn prefers_brotli_then_gzip_then_identity() {
        let file = file_of("site.css");
        let asset = find(&file).unwrap();
        type Case<'a> = (&'a [(HeaderName, &'a str)], Option<&'a str>, &'a [u8]);
        let cases: [Case; 7] = [
            (
                &[(header::ACCEPT_ENCODING, "gzip, deflate, br, zstd")],
                Some("br"),
                asset.br,
            ),
            (
                &[(header::ACCEPT_ENCODING, "gzip, br;q=0")],
                Some("gzip"),
                asset.gzip,
            ),
            (
                &[(header::ACCEPT_ENCODING, "br;q=0.5, gzip;q=0.9")],
                Some("gzip"),
                asset.gzip,
            ),
            (
                &[
                    (header::ACCEPT_ENCODING, "deflate"),
                    (header::ACCEPT_ENCODING, "x-gzip"),
                ],
                Some("gzip"),
                asset.gzip,
            ),
            (&[(header::ACCEPT_ENCODING, "*")], Some("br"), asset.br),
            (&[(header::ACCEPT_ENCODING, "identity")], None, asset.body),
            (&[], None, asset.body),
        ];
        for (request, encoding, expected) in cases {
            let response = get(&file, request).await;
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(
                header(&response, header::CONTENT_ENCODING),
                encoding,
                "{request:?}"
            );
            assert_eq!(
                header(&response, header::CONTENT_TYPE),
                Some("text/css; charset=utf-8")
            );
            assert_eq!(header(&response, header::VARY), Some("accept-encoding"));
            assert_eq!(
                header(&response, header::CACHE_CONTROL),
                Some("public, max-age=31536000, immutable")
            );
            assert_eq!(body(response).await, expected, "{request:?}");
        }
    }

    #[tokio::test]
    async fn if_none_match_gives_304_and_unknown_gives_404() {
        let file = file_of("app.js");
        let first = get(&file, &[(header::ACCEPT_ENCODING, "gzip")]).await;
        let etag = header(&first, header::ETAG).unwrap().to_owned();
        assert!(etag.starts_with('"') && etag.ends_with("-gz\""), "{etag}");

        for tag in [
            etag.as_str(),
            &format!("W/{etag}"),
            &format!("\"x\", {etag}"),
            "*",
        ] {
            let again = get(
                &file,
                &[
                    (header::ACCEPT_ENCODING, "gzip"),
                    (header::IF_NONE_MATCH, tag),
                ],
            )
            .await;
            assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{tag}");
            assert_eq!(header(&again, header::ETAG), Some(etag.as_str()));
            assert_eq!(header(&again, header::CACHE_CONTROL), Some(CACHE_FOREVER));
            assert!(body(again).await.is_empty());
        }
        let stale = get(&file, &[(header::IF_NONE_MATCH, "\"0000000000\"")]).await;
        assert_eq!(stale.status(), StatusCode::OK);

        for missing in ["app-0000000000.js", "app.js", "..%2fCargo.toml"] {
            let response = get(missing, &[]).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
            assert_ne!(
                header(&response, header::CACHE_CONTROL),
                Some(CACHE_FOREVER)
            );
        }
    }
}
