//! SSH keys: the public keys organisations deliver by SFTP with, as people paste them (OpenSSH's
//! one-line form), and the SFTP server's own host key.

use std::path::Path;

use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::keys::{Algorithm, HashAlg, PrivateKey, PublicKey};

/// A public key read and accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The key in OpenSSH form (`ssh-ed25519 AAAA…`), without its comment.
    pub public_key: String,
    /// `SHA256:…`, as `ssh-keygen -l` shows it.
    pub fingerprint: String,
    /// The comment it came with, if any (a name to suggest).
    pub comment: Option<String>,
}

/// Why a pasted key is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Nothing was pasted.
    Empty,
    /// A private key was pasted: it must stay with its owner.
    Private,
    /// It cannot be read as one OpenSSH public key.
    NotAKey,
    /// A kind of key the server does not take (DSA, security keys).
    Kind,
    /// An RSA key shorter than 2048 bits.
    TooShort,
}

/// The smallest RSA key taken, in bits.
const RSA_MIN_BITS: u32 = 2048;

/// Reads one public key as OpenSSH writes it (`ssh-ed25519 AAAA… comment`, as in a `.pub` file):
/// Ed25519, ECDSA on NIST P-256/384/521, or RSA of 2048 bits or more.
pub fn read_public_key(text: &str) -> Result<Accepted, Refused> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Refused::Empty);
    }
    if text.contains("PRIVATE KEY") {
        return Err(Refused::Private);
    }
    // One key, on one line.
    if text.lines().count() != 1 {
        return Err(Refused::NotAKey);
    }
    let key = PublicKey::from_openssh(text).map_err(|_| Refused::NotAKey)?;
    match key.algorithm() {
        Algorithm::Ed25519 | Algorithm::Ecdsa { .. } => {}
        Algorithm::Rsa { .. } => {
            let bits = key.key_data().rsa().map_or(0, |k| k.key_size());
            if bits < RSA_MIN_BITS {
                return Err(Refused::TooShort);
            }
        }
        _ => return Err(Refused::Kind),
    }
    let comment = key.comment().as_str_lossy().trim().to_owned();
    let mut bare = key.clone();
    bare.set_comment("");
    let public_key = bare.to_openssh().map_err(|_| Refused::NotAKey)?;
    Ok(Accepted {
        public_key: public_key.trim().to_owned(),
        fingerprint: fingerprint(&key),
        comment: (!comment.is_empty()).then_some(comment),
    })
}

/// A key's SHA-256 fingerprint, as `ssh-keygen -l` shows it.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// The server's host key from `path`; made (Ed25519) and written there, readable by the owner
/// only, when the file does not exist.
pub fn host_key(path: &Path) -> anyhow::Result<PrivateKey> {
    use anyhow::Context as _;
    if path.exists() {
        return PrivateKey::read_openssh_file(path)
            .with_context(|| format!("reading the SFTP host key {}", path.display()));
    }
    let seed: [u8; 32] = rand::random();
    let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let text = key
        .to_openssh(russh::keys::ssh_key::LineEnding::LF)
        .context("writing the SFTP host key")?;
    write_private(path, text.as_bytes())
        .with_context(|| format!("writing the SFTP host key {}", path.display()))?;
    tracing::info!(path = %path.display(), fingerprint = %fingerprint(key.public_key()), "made an SFTP host key");
    Ok(key)
}

/// Writes a new file readable and writable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINlNYHbktvNjluV+NSK6ANsdy5zP9vQTv4kvR2zB3SgR test key";

    #[test]
    fn an_ed25519_key_is_taken_without_its_comment() {
        let a = read_public_key(&format!("  {ED}\n")).unwrap();
        assert_eq!(
            a.public_key,
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAINlNYHbktvNjluV+NSK6ANsdy5zP9vQTv4kvR2zB3SgR"
        );
        assert!(a.fingerprint.starts_with("SHA256:"), "{}", a.fingerprint);
        assert_eq!(a.comment.as_deref(), Some("test key"));
        // The same key without a comment has the same fingerprint.
        assert_eq!(
            read_public_key(&a.public_key).unwrap().fingerprint,
            a.fingerprint
        );
    }

    #[test]
    fn what_is_not_one_public_key_is_refused() {
        assert_eq!(read_public_key("  "), Err(Refused::Empty));
        assert_eq!(
            read_public_key(
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----"
            ),
            Err(Refused::Private)
        );
        assert_eq!(
            read_public_key("ssh-ed25519 not-base64"),
            Err(Refused::NotAKey)
        );
        assert_eq!(
            read_public_key(&format!("{ED}\n{ED}")),
            Err(Refused::NotAKey)
        );
        // A 1024-bit RSA key (made for this test only).
        let short = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDQg8Q786rp4v/xSlOr712e2GAC7FIsUstya7VpdlEL55v89Wn2Hy5FOCDziZczPSPSi3ISJwquZyX4QPHFNrGwvhSuU+xW1PHSB+vlZKSwYMsdHjh2pWVVR4nSLlyIB/+4gP0d95qOXVkvgeLGqS7famhakiQDRJ6rsCRFxSmCVQ==";
        assert_eq!(read_public_key(short), Err(Refused::TooShort));
        let ecdsa = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDtXeyzblpwL/GP0W/BwfcBR88NibHbUyGHqKFpBAg19UA13ZbvgJfRVpdzP4QuOcUItF05sYY+lAnw8S0+i0kk=";
        assert!(read_public_key(ecdsa).is_ok());
    }

    #[test]
    fn a_host_key_is_made_once_and_then_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/host");
        let made = host_key(&path).unwrap();
        let read = host_key(&path).unwrap();
        assert_eq!(made.public_key(), read.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "readable by others: {mode:o}");
        }
    }
}
