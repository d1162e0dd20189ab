//! Signing material: the RSA key behind session tokens and the JWKS, and an
//! HMAC secret that makes `__client` cookies and dev-browser tokens
//! tamper-proof. Both are random per process, so nothing survives a restart.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::Rng;
use rsa::traits::PublicKeyParts;
use rsa::{Pkcs1v15Sign, RsaPrivateKey};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::Error;

type HmacSha256 = Hmac<Sha256>;

/// What a MAC-signed value is for, so a cookie is never accepted as a
/// dev-browser token or the other way round.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Purpose {
    ClientCookie,
    DevBrowser,
    /// The anti-forgery token of the hosted pages' forms.
    HostedForm,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::ClientCookie => b"client-cookie",
            Purpose::DevBrowser => b"dev-browser",
            Purpose::HostedForm => b"hosted-form",
        }
    }
}

/// The RSA half: generated once, in the background, because RSA-2048 key
/// generation can take a second in an unoptimised build.
pub(crate) struct Signer {
    rsa: RsaPrivateKey,
    kid: String,
    jwks: Value,
}

impl Signer {
    /// Generates a fresh RSA-2048 key (CPU-bound: call from a blocking thread).
    pub fn generate() -> Result<Self, Error> {
        let mut rng = rand::rngs::OsRng;
        let rsa = RsaPrivateKey::new(&mut rng, 2048).map_err(|e| Error::Key(e.to_string()))?;
        let kid = crate::ids::new_id("ins");
        let jwks = json!({
            "keys": [{
                "kid": kid,
                "alg": "RS256",
                "use": "sig",
                "kty": "RSA",
                "n": URL_SAFE_NO_PAD.encode(rsa.n().to_bytes_be()),
                "e": URL_SAFE_NO_PAD.encode(rsa.e().to_bytes_be()),
            }]
        });
        Ok(Self { rsa, kid, jwks })
    }

    pub fn jwks(&self) -> &Value {
        &self.jwks
    }

    /// Signs `claims` as a compact RS256 JWT carrying our `kid`.
    pub fn sign_jwt(&self, claims: &Value) -> Result<String, String> {
        let header = json!({"alg": "RS256", "kid": self.kid, "typ": "JWT"});
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let digest = Sha256::digest(signing_input.as_bytes());
        let signature = self
            .rsa
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .map_err(|e| e.to_string())?;
        Ok(format!(
            "{signing_input}.{}",
            URL_SAFE_NO_PAD.encode(signature)
        ))
    }
}

pub(crate) struct Keys {
    /// Keyed with a random per-process secret; cloned for each use.
    mac_base: HmacSha256,
    signer: tokio::sync::OnceCell<Signer>,
}

impl Keys {
    /// A fresh MAC secret; the RSA key comes later, from [`Keys::signer`].
    pub fn new() -> Result<Self, Error> {
        let secret: [u8; 32] = rand::thread_rng().gen();
        let mac_base =
            HmacSha256::new_from_slice(&secret).map_err(|e| Error::Key(e.to_string()))?;
        Ok(Self {
            mac_base,
            signer: tokio::sync::OnceCell::new(),
        })
    }

    /// Keys whose RSA key is already there (for the synchronous router).
    pub fn with_signer(signer: Signer) -> Result<Self, Error> {
        let keys = Self::new()?;
        keys.signer
            .set(signer)
            .map_err(|_| Error::Key("signer set twice".into()))?;
        Ok(keys)
    }

    /// The RSA signer, generating it on a blocking thread the first time;
    /// concurrent callers wait for the same generation.
    pub async fn signer(&self) -> Result<&Signer, Error> {
        self.signer
            .get_or_try_init(|| async {
                tokio::task::spawn_blocking(Signer::generate)
                    .await
                    .map_err(|e| Error::Key(e.to_string()))?
            })
            .await
    }

    fn mac(&self, purpose: Purpose, value: &str) -> HmacSha256 {
        let mut mac = self.mac_base.clone();
        mac.update(purpose.label());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        mac
    }

    /// `value.signature`, for a value that contains no `.`.
    pub fn seal(&self, purpose: Purpose, value: &str) -> String {
        let tag = self.mac(purpose, value).finalize().into_bytes();
        format!("{value}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// The value inside a token made by [`Keys::seal`], or `None` when the
    /// token was not made by this process for this purpose.
    pub fn open(&self, purpose: Purpose, token: &str) -> Option<String> {
        let (value, tag) = token.rsplit_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        self.mac(purpose, value).verify_slice(&tag).ok()?;
        Some(value.to_owned())
    }
}
