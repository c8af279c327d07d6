//! The activation link of the issuance e-mail: where the server is, which
//! service and user to activate, and the signing key to pin.
//!
//! Two forms carry the same fields:
//! `ichie://activate?v=2&url=<base URL>&service=<id>&user=<id>&kid=<key id>&pk=<key>`
//! (opens the app) and `<base URL>/activate?v=2&service=…&user=…&kid=…&pk=…`
//! (a web page that forwards to the app, or is pasted into it). `pk` is the
//! Ed25519 public key in base64url without padding. The link carries no
//! secret: the activation password travels separately, typed by the user.
//!
//! A link is only a claim: anyone can send one. Before activating, the app
//! checks it against its service directory ([`super::ServiceDirectory::check_link`]):
//! a known service with another URL or key is refused; an unknown service's
//! host and key fingerprint are shown for the user to confirm.

use std::fmt;

use super::{ActivationError, Identifier, PinnedKey};

/// What an activation link tells the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationLink {
    /// The server's base URL (`https://otp.example.com`, no trailing slash).
    pub base_url: String,
    /// The service the token belongs to.
    pub service_id: Identifier,
    /// The user the token is issued to.
    pub user_id: Identifier,
    /// The signing key the challenge must verify against.
    pub pinned: PinnedKey,
}

const APP_PREFIX: &str = "ichie://activate?";
const WEB_PATH: &str = "/activate?";

impl ActivationLink {
    /// The `ichie://activate?…` form.
    pub fn to_app_uri(&self) -> String {
        format!(
            "{APP_PREFIX}v=2&url={}&{}",
            encode(&self.base_url),
            self.common_query()
        )
    }

    /// The `https://…/activate?…` form.
    pub fn to_https_url(&self) -> String {
        format!("{}{WEB_PATH}v=2&{}", self.base_url, self.common_query())
    }

    fn common_query(&self) -> String {
        format!(
            "service={}&user={}&kid={}&pk={}",
            encode(self.service_id.as_str()),
            encode(self.user_id.as_str()),
            encode(&self.pinned.key_id),
            data_encoding::BASE64URL_NOPAD.encode(&self.pinned.public_key)
        )
    }

    /// Parses either form (surrounding whitespace ignored).
    pub fn parse(text: &str) -> Result<Self, ActivationError> {
        let text = text.trim();
        let (base_from_path, query) =
            if let Some(query) = strip_prefix_ignore_case(text, APP_PREFIX) {
                (None, query)
            } else if text.starts_with("https://") {
                let at = text
                    .find(WEB_PATH)
                    .ok_or_else(|| bad("an https activation link ends in /activate?…"))?;
                (Some(text[..at].to_owned()), &text[at + WEB_PATH.len()..])
            } else {
                return Err(bad(
                    "not an activation link (ichie://activate or https://…/activate)",
                ));
            };
        let query = query.split('#').next().unwrap_or_default();
        let mut fields = Fields::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let slot = match name.as_ref() {
                "v" => &mut fields.version,
                "url" => &mut fields.url,
                "service" => &mut fields.service,
                "user" => &mut fields.user,
                "kid" => &mut fields.kid,
                "pk" => &mut fields.pk,
                _ => continue,
            };
            if slot.replace(value.into_owned()).is_some() {
                return Err(bad(&format!("the link repeats {name:?}")));
            }
        }
        match fields.version.as_deref() {
            None | Some("2") => {}
            Some(other) => {
                return Err(ActivationError::VersionUnsupported(
                    other.parse().unwrap_or(0),
                ));
            }
        }
        let base_url = match (base_from_path, fields.url) {
            (Some(base), _) => base,
            (None, Some(url)) => url,
            (None, None) => return Err(bad("the link has no server URL")),
        };
        if !base_url.starts_with("https://") || base_url.len() <= "https://".len() {
            return Err(bad("the server URL must be https://"));
        }
        let required = |value: Option<String>, what: &str| {
            value.ok_or_else(|| bad(&format!("the link has no {what}")))
        };
        let service_id = Identifier::new(&required(fields.service, "service ID")?)?;
        let user_id = Identifier::new(&required(fields.user, "user ID")?)?;
        let key_id = required(fields.kid, "key ID")?;
        let pk = required(fields.pk, "public key")?;
        let public_key: [u8; 32] = data_encoding::BASE64URL_NOPAD
            .decode(pk.as_bytes())
            .ok()
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or_else(|| bad("the public key is not 32 bytes of base64url"))?;
        Ok(Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            service_id,
            user_id,
            pinned: PinnedKey { key_id, public_key },
        })
    }
}

impl ActivationLink {
    /// The server's host (and port, if any), as the app shows it before a
    /// user confirms an unknown service.
    pub fn host(&self) -> &str {
        let rest = self
            .base_url
            .strip_prefix("https://")
            .unwrap_or(&self.base_url);
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let authority = &rest[..end];
        // Credentials before an `@` are not part of the host.
        authority.rsplit('@').next().unwrap_or(authority)
    }
}

/// What the app's service directory says about an activation link.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkCheck {
    /// The directory lists the service with this URL and key: go ahead.
    Known {
        /// The service's display name.
        name: String,
    },
    /// The directory does not list the service: show the host and key
    /// fingerprint and activate only after the user confirms them.
    Unknown {
        /// The server's host, from the link.
        host: String,
        /// The fingerprint of the signing key the link carries.
        key_fingerprint: String,
    },
}

impl fmt::Display for ActivationLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_app_uri())
    }
}

#[derive(Default)]
struct Fields {
    version: Option<String>,
    url: Option<String>,
    service: Option<String>,
    user: Option<String>,
    kid: Option<String>,
    pk: Option<String>,
}

fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn bad(reason: &str) -> ActivationError {
    ActivationError::BadMessage(format!("activation link: {reason}"))
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> ActivationLink {
        ActivationLink {
            base_url: "https://otp.example.com:8443".into(),
            service_id: Identifier::new("example-bank").unwrap(),
            user_id: Identifier::new("taro yamada+1").unwrap(),
            pinned: PinnedKey {
                key_id: "k1".into(),
                public_key: [9; 32],
            },
        }
    }

    #[test]
    fn both_forms_round_trip() {
        let l = link();
        assert_eq!(
            ActivationLink::parse(&l.to_app_uri()).unwrap(),
            l,
            "{}",
            l.to_app_uri()
        );
        assert_eq!(
            ActivationLink::parse(&l.to_https_url()).unwrap(),
            l,
            "{}",
            l.to_https_url()
        );
        assert!(
            l.to_https_url()
                .starts_with("https://otp.example.com:8443/activate?v=2&service=example-bank")
        );
    }

    #[test]
    fn bad_links_say_what_is_wrong() {
        let pk = data_encoding::BASE64URL_NOPAD.encode(&[9; 32]);
        let cases = [
            ("otpauth://totp/x", "not an activation link"),
            ("https://otp.example.com/other?x=1", "ends in /activate"),
            (
                &*format!("ichie://activate?service=s&user=u&kid=k&pk={pk}"),
                "no server URL",
            ),
            (
                &*format!("ichie://activate?url=http://x&service=s&user=u&kid=k&pk={pk}"),
                "https",
            ),
            (
                &*format!("ichie://activate?url=https://x&user=u&kid=k&pk={pk}"),
                "no service ID",
            ),
            (
                "ichie://activate?url=https://x&service=s&user=u&kid=k&pk=AAAA",
                "32 bytes",
            ),
            (
                &*format!(
                    "ichie://activate?url=https://x&service=s&service=t&user=u&kid=k&pk={pk}"
                ),
                "repeats",
            ),
        ];
        for (text, needle) in cases {
            let err = ActivationLink::parse(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text}: {err}");
        }
        assert_eq!(
            ActivationLink::parse(&format!(
                "ichie://activate?v=1&url=https://x&service=s&user=u&kid=k&pk={pk}"
            )),
            Err(ActivationError::VersionUnsupported(1))
        );
    }

    #[test]
    fn the_host_is_what_a_user_can_compare() {
        let pk = data_encoding::BASE64URL_NOPAD.encode(&[9; 32]);
        for (url, host) in [
            ("https://otp.example.com", "otp.example.com"),
            ("https://otp.example.com:8443/base", "otp.example.com:8443"),
            ("https://user@evil.example:1/x", "evil.example:1"),
        ] {
            let link = ActivationLink::parse(&format!(
                "ichie://activate?v=2&url={}&service=s&user=u&kid=k&pk={pk}",
                encode(url)
            ))
            .unwrap();
            assert_eq!(link.host(), host, "{url}");
        }
    }
}
