//! `--key`: the private key of the client certificate, as OpenSSL writes it. Unencrypted
//! PKCS#8, PKCS#1 (RSA) or SEC1 (EC); or encrypted: PKCS#8 (`BEGIN ENCRYPTED PRIVATE KEY`,
//! what OpenSSL 3's `genrsa -aes256` writes) or the traditional PEM with `Proc-Type:
//! 4,ENCRYPTED` (AES-128/192/256-CBC or DES-EDE3-CBC, the key derived from the passphrase as
//! OpenSSL's EVP_BytesToKey does with MD5).
//!
//! The passphrase comes from `--key-passphrase-file`, else the environment variable
//! [`PASSPHRASE_ENV`], else the terminal, asked as mosquitto asks and not echoed; never from
//! an argument, which `ps` shows. No terminal and no passphrase is bad input (exit 2); a wrong
//! passphrase is a TLS failure (exit 5).

use std::path::Path;

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, KeyIvInit};
use md5::{Digest, Md5};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs1KeyDer, PrivatePkcs8KeyDer, PrivateSec1KeyDer};
use x509_parser::asn1_rs::{Any, FromDer};

use crate::exit::{Exit, Fail};
use crate::read_limited::{self, PEM_LIMIT};

/// A passphrase file holds one line; more than this is not a passphrase file.
const PASSPHRASE_FILE_LIMIT: u64 = 64 << 10;
/// The environment variable holding `--key`'s passphrase.
pub const PASSPHRASE_ENV: &str = "RPUBSUB_KEY_PASSPHRASE";

/// The private key in `path`, decrypted with the passphrase from `passphrase_file`, the
/// environment or the terminal if it is encrypted.
pub fn read_key(
    path: &Path,
    passphrase_file: Option<&Path>,
) -> Result<PrivateKeyDer<'static>, Fail> {
    let bad = |why: String| Fail::usage(format!("--key {}: {why}", path.display()));
    // An encrypted block first: the traditional one's headers are not PEM to rustls's reader.
    let text = read_limited::read(path, PEM_LIMIT).map_err(|e| bad(crate::io_error_text(&e)))?;
    let blocks = ::pem::parse_many(&text).unwrap_or_default();
    if let Some(block) = blocks.iter().find(|b| is_encrypted(b)) {
        let passphrase = passphrase(path, passphrase_file)?;
        return decrypt(block, passphrase.as_bytes(), path);
    }
    match PrivateKeyDer::from_pem_slice(&text) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => Err(bad(
            "no PEM private key (PKCS#8, PKCS#1 or SEC1) in it".into(),
        )),
        Err(e) => Err(bad(super::pem_error(&e))),
    }
}

fn is_encrypted(block: &::pem::Pem) -> bool {
    block.tag() == "ENCRYPTED PRIVATE KEY"
        || block
            .headers()
            .get("Proc-Type")
            .is_some_and(|p| p.contains("ENCRYPTED"))
}

/// The passphrase: the first line of the file, the environment variable, or typed.
fn passphrase(key: &Path, file: Option<&Path>) -> Result<String, Fail> {
    if let Some(file) = file {
        let text = read_limited::read_to_string(file, PASSPHRASE_FILE_LIMIT).map_err(|e| {
            Fail::usage(format!(
                "--key-passphrase-file {}: {}",
                file.display(),
                crate::io_error_text(&e)
            ))
        })?;
        return Ok(text.lines().next().unwrap_or_default().to_string());
    }
    if let Some(value) = std::env::var_os(PASSPHRASE_ENV) {
        return value.into_string().map_err(|_| {
            Fail::usage(format!(
                "{PASSPHRASE_ENV}: the passphrase is not valid UTF-8"
            ))
        });
    }
    // Asked only of a person at a terminal; a script with no passphrase gets the hint at once.
    let person = std::io::IsTerminal::is_terminal(&std::io::stdin());
    person
        .then(|| rpassword::prompt_password("Enter PEM pass phrase:").ok())
        .flatten()
        .ok_or_else(|| {
        Fail::usage(format!(
            "--key {}: the key is encrypted and there is no terminal to ask its passphrase on: give it in a file with --key-passphrase-file FILE or in the environment variable {PASSPHRASE_ENV}",
            key.display()
        ))
        })
}

fn decrypt(
    block: &::pem::Pem,
    passphrase: &[u8],
    path: &Path,
) -> Result<PrivateKeyDer<'static>, Fail> {
    let wrong = || {
        Fail::new(
            Exit::Tls,
            format!(
                "--key {}: wrong passphrase (it does not decrypt the key)",
                path.display()
            ),
        )
    };
    let unsupported = |what: &str| {
        Fail::usage(format!(
            "--key {}: the key is encrypted with {what}, which this tool cannot decrypt (AES-CBC and DES-EDE3-CBC it can; openssl pkey -in KEY -aes256 -out NEW_KEY re-encrypts it)",
            path.display()
        ))
    };
    if block.tag() == "ENCRYPTED PRIVATE KEY" {
        let info = pkcs8::EncryptedPrivateKeyInfo::try_from(block.contents())
            .map_err(|_| unsupported("a scheme it does not know"))?;
        // The scheme was read, so a failure to decrypt is the passphrase, unless the scheme
        // is one the pkcs5 crate does not implement.
        let plain = info.decrypt(passphrase).map_err(|e| match e {
            pkcs8::Error::EncryptedPrivateKey(
                pkcs8::pkcs5::Error::UnsupportedAlgorithm { .. }
                | pkcs8::pkcs5::Error::AlgorithmParametersInvalid { .. },
            ) => unsupported("a scheme it does not know"),
            _ => wrong(),
        })?;
        let der = plain.as_bytes().to_vec();
        return whole_der(&der)
            .then(|| PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(der)))
            .ok_or_else(wrong);
    }
    let dek = block.headers().get("DEK-Info").unwrap_or_default();
    let (cipher, iv_hex) = dek.split_once(',').unwrap_or((dek, ""));
    let iv = hex(iv_hex.trim()).ok_or_else(|| unsupported("a DEK-Info it cannot read"))?;
    let data = block.contents();
    let plain = match cipher.trim() {
        "AES-128-CBC" => cbc_decrypt::<aes::Aes128>(passphrase, &iv, data),
        "AES-192-CBC" => cbc_decrypt::<aes::Aes192>(passphrase, &iv, data),
        "AES-256-CBC" => cbc_decrypt::<aes::Aes256>(passphrase, &iv, data),
        "DES-EDE3-CBC" => cbc_decrypt::<des::TdesEde3>(passphrase, &iv, data),
        other => return Err(unsupported(other)),
    }
    .ok_or_else(wrong)?;
    if !whole_der(&plain) {
        return Err(wrong());
    }
    Ok(match block.tag() {
        "RSA PRIVATE KEY" => PrivateKeyDer::Pkcs1(PrivatePkcs1KeyDer::from(plain)),
        "EC PRIVATE KEY" => PrivateKeyDer::Sec1(PrivateSec1KeyDer::from(plain)),
        _ => PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(plain)),
    })
}

/// CBC with PKCS#7 padding, the key from the passphrase and the IV's first 8 bytes as salt.
/// `None`: the padding is wrong, which is what a wrong passphrase gives.
fn cbc_decrypt<C>(passphrase: &[u8], iv: &[u8], data: &[u8]) -> Option<Vec<u8>>
where
    C: aes::cipher::BlockCipher + aes::cipher::BlockDecryptMut + aes::cipher::KeyInit,
{
    let salt = iv.get(..8)?;
    let key = bytes_to_key(passphrase, salt, C::key_size());
    let mut plain = data.to_vec();
    let len = cbc::Decryptor::<C>::new_from_slices(&key, iv)
        .ok()?
        .decrypt_padded_mut::<Pkcs7>(&mut plain)
        .ok()?
        .len();
    plain.truncate(len);
    Some(plain)
}

/// OpenSSL's EVP_BytesToKey with MD5 and one round, as its traditional PEM encryption uses.
fn bytes_to_key(passphrase: &[u8], salt: &[u8], len: usize) -> Vec<u8> {
    let mut key = Vec::with_capacity(len + 16);
    let mut block: Vec<u8> = Vec::new();
    while key.len() < len {
        let mut md5 = Md5::new();
        md5.update(&block);
        md5.update(passphrase);
        md5.update(salt);
        block = md5.finalize().to_vec();
        key.extend_from_slice(&block);
    }
    key.truncate(len);
    key
}

/// Is `der` exactly one DER element? A key decrypted with a wrong passphrase that happens to
/// have valid padding is not.
fn whole_der(der: &[u8]) -> bool {
    matches!(Any::from_der(der), Ok((rest, _)) if rest.is_empty())
}

fn hex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openssl_key_derivation() {
        // `openssl enc -aes-256-cbc -md md5 -k secret -S 0102030405060708 -P`
        let key = bytes_to_key(b"secret", &[1, 2, 3, 4, 5, 6, 7, 8], 32);
        assert_eq!(
            hex("C9E5A1BD216DBE1317E230CEF48F38EE7F0E17AD64022144BCCEC4A1AA2879AB"),
            Some(key)
        );
    }

    #[test]
    fn hex_iv() {
        assert_eq!(hex("0aFF"), Some(vec![10, 255]));
        assert_eq!(hex("0a0"), None);
        assert_eq!(hex("zz"), None);
    }
}
