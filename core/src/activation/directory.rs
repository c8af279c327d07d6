//! The service directory: service ID → server URL and pinned signing keys,
//! shipped with the app or loaded from a file.
//!
//! File format (JSON):
//! `{"services": [{"service_id": "example-bank", "name": "Example Bank",
//!   "base_url": "https://otp.example.com", "keys": [{"key_id": "k1",
//!   "public_key": "<base64url Ed25519 key>"}]}]}`

use serde::Deserialize;

use super::{ActivationError, ActivationLink, Identifier, LinkCheck, PinnedKey};

/// Where and as whom to activate, and which signing keys to trust.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationTarget {
    /// The server's base URL (`https://otp.example.com`).
    pub base_url: String,
    /// The service ID from the issuance e-mail.
    pub service_id: Identifier,
    /// The user ID from the issuance e-mail.
    pub user_id: Identifier,
    /// The signing keys pinned for the service.
    pub pinned: Vec<PinnedKey>,
}

impl From<ActivationLink> for ActivationTarget {
    fn from(link: ActivationLink) -> Self {
        Self {
            base_url: link.base_url,
            service_id: link.service_id,
            user_id: link.user_id,
            pinned: vec![link.pinned],
        }
    }
}

/// The services an app can activate tokens for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceDirectory {
    services: Vec<ServiceEntry>,
}

/// One service: where its server is and which keys sign its challenges.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceEntry {
    /// The service ID users type.
    pub service_id: Identifier,
    /// A display name for token lists (defaults to the service ID).
    pub name: String,
    /// The server's base URL.
    pub base_url: String,
    /// The signing keys pinned for the service (several while keys rotate).
    pub keys: Vec<PinnedKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDirectory {
    services: Vec<FileEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    service_id: String,
    #[serde(default)]
    name: Option<String>,
    base_url: String,
    keys: Vec<FileKey>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileKey {
    key_id: String,
    public_key: String,
}

impl ServiceDirectory {
    /// Parses a directory file; every entry must be complete and https.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ActivationError> {
        let file: FileDirectory = serde_json::from_slice(bytes)
            .map_err(|e| ActivationError::BadMessage(format!("service directory: {e}")))?;
        let mut services = Vec::with_capacity(file.services.len());
        for entry in file.services {
            let bad = |what: &str| {
                ActivationError::BadMessage(format!(
                    "service directory entry {:?}: {what}",
                    entry.service_id
                ))
            };
            if !entry.base_url.starts_with("https://") {
                return Err(bad("base_url must be https://"));
            }
            if entry.keys.is_empty() {
                return Err(bad("no signing key"));
            }
            let keys = entry
                .keys
                .iter()
                .map(|k| {
                    data_encoding::BASE64URL_NOPAD
                        .decode(k.public_key.as_bytes())
                        .ok()
                        .and_then(|b| <[u8; 32]>::try_from(b).ok())
                        .map(|public_key| PinnedKey {
                            key_id: k.key_id.clone(),
                            public_key,
                        })
                        .ok_or_else(|| bad("a public_key is not 32 bytes of base64url"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let service_id = Identifier::new(&entry.service_id)?;
            if services
                .iter()
                .any(|s: &ServiceEntry| s.service_id == service_id)
            {
                return Err(bad("listed twice"));
            }
            services.push(ServiceEntry {
                name: entry.name.unwrap_or_else(|| entry.service_id.clone()),
                service_id,
                base_url: entry.base_url.trim_end_matches('/').to_owned(),
                keys,
            });
        }
        Ok(Self { services })
    }

    /// The entry for `service_id`, if the directory has it.
    pub fn get(&self, service_id: &str) -> Option<&ServiceEntry> {
        self.services
            .iter()
            .find(|s| s.service_id.as_str() == service_id)
    }

    /// Every service, in file order.
    pub fn services(&self) -> &[ServiceEntry] {
        &self.services
    }

    /// Checks an activation link against the directory: a listed service
    /// must have the same server URL and the link's key among its keys
    /// (else [`ActivationError::LinkMismatch`], a forged link); an unlisted
    /// one needs the user's confirmation of host and key fingerprint.
    pub fn check_link(&self, link: &ActivationLink) -> Result<LinkCheck, ActivationError> {
        let Some(entry) = self.get(link.service_id.as_str()) else {
            return Ok(LinkCheck::Unknown {
                host: link.host().to_owned(),
                key_fingerprint: link.pinned.fingerprint(),
            });
        };
        let mismatch = |what| ActivationError::LinkMismatch {
            service_id: entry.service_id.to_string(),
            what,
        };
        if !same_url(&entry.base_url, &link.base_url) {
            return Err(mismatch("server URL"));
        }
        if !entry.keys.contains(&link.pinned) {
            return Err(mismatch("signing key"));
        }
        Ok(LinkCheck::Known {
            name: entry.name.clone(),
        })
    }

    /// What to activate from `link`: for a listed service, its directory
    /// entry (after [`Self::check_link`] found the link matching); for an
    /// unlisted one, the link itself once the user confirmed its host and
    /// key fingerprint, else `None`.
    pub fn link_target(
        &self,
        link: &ActivationLink,
        user_confirmed: bool,
    ) -> Result<Option<ActivationTarget>, ActivationError> {
        match self.check_link(link)? {
            LinkCheck::Known { .. } => self.target(link.service_id.as_str(), link.user_id.as_str()),
            LinkCheck::Unknown { .. } if user_confirmed => Ok(Some(link.clone().into())),
            LinkCheck::Unknown { .. } => Ok(None),
        }
    }

    /// What to activate for `user_id` at `service_id`; `None` if the service is unknown.
    pub fn target(
        &self,
        service_id: &str,
        user_id: &str,
    ) -> Result<Option<ActivationTarget>, ActivationError> {
        let Some(entry) = self.get(service_id) else {
            return Ok(None);
        };
        Ok(Some(ActivationTarget {
            base_url: entry.base_url.clone(),
            service_id: entry.service_id.clone(),
            user_id: Identifier::new(user_id)?,
            pinned: entry.keys.clone(),
        }))
    }
}

/// Whether two base URLs name the same server (scheme and host compare
/// case-insensitively, a trailing slash is ignored).
fn same_url(a: &str, b: &str) -> bool {
    fn split(url: &str) -> (String, &str) {
        let url = url.trim_end_matches('/');
        let after_scheme = url.find("://").map_or(0, |i| i + 3);
        let end = url[after_scheme..]
            .find('/')
            .map_or(url.len(), |i| after_scheme + i);
        (url[..end].to_ascii_lowercase(), &url[end..])
    }
    split(a) == split(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_directory_file_gives_targets() {
        let pk = data_encoding::BASE64URL_NOPAD.encode(&[3; 32]);
        let json = format!(
            r#"{{"services":[{{"service_id":"bank","name":"Example Bank","base_url":"https://otp.example.com/","keys":[{{"key_id":"k1","public_key":"{pk}"}}]}}]}}"#
        );
        let dir = ServiceDirectory::from_json(json.as_bytes()).unwrap();
        let target = dir.target("bank", "taro").unwrap().unwrap();
        assert_eq!(target.base_url, "https://otp.example.com");
        assert_eq!(target.pinned[0].public_key, [3; 32]);
        assert_eq!(dir.get("bank").unwrap().name, "Example Bank");
        assert_eq!(dir.target("other", "taro").unwrap(), None);
    }

    #[test]
    fn bad_directories_are_refused_with_a_reason() {
        let pk = data_encoding::BASE64URL_NOPAD.encode(&[3; 32]);
        let cases = [
            ("{}".to_owned(), "services"),
            (format!(r#"{{"services":[{{"service_id":"b","base_url":"http://x","keys":[{{"key_id":"k","public_key":"{pk}"}}]}}]}}"#), "https"),
            (r#"{"services":[{"service_id":"b","base_url":"https://x","keys":[]}]}"#.to_owned(), "no signing key"),
            (r#"{"services":[{"service_id":"b","base_url":"https://x","keys":[{"key_id":"k","public_key":"AA"}]}]}"#.to_owned(), "32 bytes"),
        ];
        for (json, needle) in cases {
            let err = ServiceDirectory::from_json(json.as_bytes())
                .unwrap_err()
                .to_string();
            assert!(err.contains(needle), "{json}: {err}");
        }
    }

    fn directory_and_link(
        url: &str,
        kid: &str,
        key: [u8; 32],
    ) -> (ServiceDirectory, ActivationLink) {
        let pk = data_encoding::BASE64URL_NOPAD.encode(&[3; 32]);
        let json = format!(
            r#"{{"services":[{{"service_id":"bank","name":"Example Bank","base_url":"https://otp.example.com","keys":[{{"key_id":"k1","public_key":"{pk}"}}]}}]}}"#
        );
        let link = ActivationLink {
            base_url: url.to_owned(),
            service_id: Identifier::new("bank").unwrap(),
            user_id: Identifier::new("taro").unwrap(),
            pinned: PinnedKey {
                key_id: kid.to_owned(),
                public_key: key,
            },
        };
        (ServiceDirectory::from_json(json.as_bytes()).unwrap(), link)
    }

    #[test]
    fn a_link_for_a_known_service_must_match_the_directory() {
        for url in ["https://otp.example.com", "https://OTP.example.com/"] {
            let (dir, link) = directory_and_link(url, "k1", [3; 32]);
            assert_eq!(
                dir.check_link(&link).unwrap(),
                LinkCheck::Known {
                    name: "Example Bank".into()
                },
                "{url}"
            );
        }
        // The phishing e-mail: the real service ID, the attacker's server or key.
        for (url, kid, key, what) in [
            (
                "https://otp.example.com.evil.example",
                "k1",
                [3; 32],
                "server URL",
            ),
            ("https://otp.example.com/other", "k1", [3; 32], "server URL"),
            ("https://otp.example.com", "k1", [4; 32], "signing key"),
            ("https://otp.example.com", "evil", [3; 32], "signing key"),
        ] {
            let (dir, link) = directory_and_link(url, kid, key);
            let err = dir.check_link(&link).unwrap_err();
            assert_eq!(
                err,
                ActivationError::LinkMismatch {
                    service_id: "bank".into(),
                    what
                },
                "{url} {kid}"
            );
            assert!(err.to_string().contains("forged"), "{err}");
        }
    }

    #[test]
    fn a_link_target_comes_from_the_directory_or_the_users_confirmation() {
        let (dir, link) = directory_and_link("https://otp.example.com", "k1", [3; 32]);
        let target = dir.link_target(&link, false).unwrap().unwrap();
        assert_eq!(target.base_url, "https://otp.example.com");
        assert_eq!(target.user_id.as_str(), "taro");
        let (dir, forged) = directory_and_link("https://evil.example", "k1", [3; 32]);
        assert!(dir.link_target(&forged, true).is_err());
        let unknown = ServiceDirectory::default();
        assert_eq!(unknown.link_target(&link, false).unwrap(), None);
        assert_eq!(
            unknown.link_target(&link, true).unwrap().unwrap().pinned,
            vec![link.pinned.clone()]
        );
    }

    #[test]
    fn a_link_for_an_unknown_service_names_host_and_fingerprint() {
        let (_, mut link) = directory_and_link("https://otp.other.example:8443", "k9", [5; 32]);
        link.service_id = Identifier::new("other").unwrap();
        let check = ServiceDirectory::default().check_link(&link).unwrap();
        let LinkCheck::Unknown {
            host,
            key_fingerprint,
        } = check
        else {
            panic!("{check:?}");
        };
        assert_eq!(host, "otp.other.example:8443");
        assert_eq!(key_fingerprint.len(), 8 * 4 + 7);
        assert_eq!(key_fingerprint, link.pinned.fingerprint());
        let other = PinnedKey {
            key_id: "k9".into(),
            public_key: [6; 32],
        };
        assert_ne!(other.fingerprint(), key_fingerprint);
    }
}
