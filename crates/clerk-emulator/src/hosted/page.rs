//! The hosted pages' HTML: one layout, and [`escape`], which every value
//! put into a page goes through (user names, e-mail addresses, URLs and
//! error messages all come from outside). Only the literal markup in this
//! crate is written unescaped.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f4f6;margin:0}\
main{max-width:24rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:.75rem;\
box-shadow:0 1px 4px #0002}h1{font-size:1.25rem;margin-top:0}label{display:block;margin:.75rem 0 .25rem}\
input{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem}\
button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem;background:#6c47ff;color:#fff;border:0;\
border-radius:.375rem}button.link{background:none;color:#6c47ff;padding:0}\
.error{color:#b00020;margin:.25rem 0}.note{color:#555;font-size:.875rem}";

/// A whole page: `title` is text (escaped here), `body` is markup built
/// with [`escape`]d values.
pub(crate) struct Page {
    pub status: StatusCode,
    pub title: String,
    pub body: String,
    /// `form-action` sources besides `'self'`: where a form's redirect may
    /// go (browsers apply `form-action` to redirects after a submission).
    pub form_targets: Vec<String>,
    pub set_cookie: Option<HeaderValue>,
}

impl Page {
    pub fn new(title: impl Into<String>, body: String) -> Self {
        Self {
            status: StatusCode::OK,
            title: title.into(),
            body,
            form_targets: Vec::new(),
            set_cookie: None,
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let html = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{} · Clerk emulator</title><style>{STYLE}</style></head>\
             <body><main>{}</main></body></html>\n",
            escape(&self.title),
            self.body
        );
        let form_action = std::iter::once("'self'".to_owned())
            .chain(self.form_targets)
            .collect::<Vec<_>>()
            .join(" ");
        let csp = format!(
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
             form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
        );
        let mut response = (self.status, html).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        if let Ok(csp) = HeaderValue::from_str(&csp) {
            headers.insert(header::CONTENT_SECURITY_POLICY, csp);
        }
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        // Page URLs may carry a dev-browser token: never send them to
        // another origin. Not `no-referrer`: under it browsers send a form
        // post's `Origin` as `null` (Fetch, "serializing a request origin"),
        // and the posts' origin check would refuse every real browser.
        headers.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(cookie) = self.set_cookie {
            headers.append(header::SET_COOKIE, cookie);
        }
        response
    }
}

/// A text input with its label and, when there is one, its error (linked
/// with `aria-describedby`).
pub(crate) fn field(
    name: &str,
    label: &str,
    kind: &str,
    value: &str,
    extra: &str,
    error: Option<&str>,
) -> String {
    let (described, message) = match error {
        Some(e) => (
            format!(" aria-invalid=\"true\" aria-describedby=\"{name}-error\""),
            format!("<p class=\"error\" id=\"{name}-error\">{}</p>", escape(e)),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        "<label for=\"{name}\">{}</label>\
         <input id=\"{name}\" name=\"{name}\" type=\"{kind}\" value=\"{}\"{extra}{described}>{message}",
        escape(label),
        escape(value),
    )
}

/// A hidden input.
pub(crate) fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
        escape(value)
    )
}

/// A message for the whole form.
pub(crate) fn form_error(error: Option<&str>) -> String {
    error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_every_character_that_can_break_out() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'q'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"
        );
        assert_eq!(escape("plain é"), "plain é");
    }

    #[test]
    fn fields_escape_their_values_and_errors() {
        let html = field(
            "email",
            "E-mail",
            "email",
            "\"><img src=x>",
            "",
            Some("<b>bad</b>"),
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("value=\"&quot;&gt;&lt;img src=x&gt;\""),
            "{html}"
        );
        assert!(html.contains("aria-describedby=\"email-error\""), "{html}");
    }
}
