//! Username and password: from `-u`/`-P`, the environment or the config file, overridden by
//! the user and password of a `-L` URL; a password file (`--password-file`, or the file's
//! `password-file`) wins over both. Whether the config file's password applies at all was
//! settled before (`file/rules.rs`).

use std::path::{Path, PathBuf};

use crate::exit::Fail;
use crate::options::Credentials;
use crate::secret::Secret;
use crate::settings::flags::ConnectArgs;
use crate::settings::origin::{setting, Origin, Setting};
use crate::settings::url::BrokerUrl;

/// The credentials as resolved, with the settings `--print-config` shows.
pub(super) struct Login {
    pub credentials: Option<Credentials>,
    pub username: Option<Setting<String>>,
    pub password: Option<Setting<Secret>>,
    /// The file the password was read from, if it was.
    pub password_file: Option<PathBuf>,
}

pub(super) fn resolve(args: &ConnectArgs, url: Option<&BrokerUrl>) -> Result<Login, Fail> {
    let mut username = setting!(args.auth.username);
    let mut password = setting!(args.auth.password);
    if let Some(url) = url {
        if let Some(user) = &url.username {
            username = Some(Setting::new(user.clone(), Origin::Url));
            let from_url = url.password.clone().map(|p| Setting::new(p, Origin::Url));
            password = from_url.or(password);
        }
    }
    let file = setting!(args.auth.password_file);
    if let Some(file) = &file {
        let read =
            read_password_file(&file.value).map_err(|e| file.refuse("--password-file", e))?;
        password = Some(Setting::new(read, file.origin.clone()));
    }
    let credentials = match (&username, &password) {
        (Some(username), password) => {
            check_lengths(&username.value, password.as_ref().map(|p| &p.value))?;
            if password.as_ref().is_some_and(|p| p.value.is_empty()) {
                return Err(Fail::usage(
                    "the password is empty; MQTT cannot send an empty password (leave it out instead)",
                ));
            }
            Some(Credentials {
                username: username.value.clone(),
                password: password.as_ref().map(|p| p.value.clone()),
            })
        }
        (None, Some(p)) => {
            let hint = match &p.origin {
                Origin::File { .. } | Origin::Options { .. } => {
                    format!(" (the password is from {})", p.origin)
                }
                _ => String::new(),
            };
            return Err(Fail::usage(format!(
                "a password was given without a username (-u){hint}"
            )));
        }
        (None, None) => None,
    };
    Ok(Login {
        credentials,
        username,
        password,
        password_file: file.map(|f| f.value),
    })
}

/// Refuse a username or password its 2-byte length cannot carry (the password by its size).
fn check_lengths(username: &str, password: Option<&Secret>) -> Result<(), Fail> {
    crate::field_length::check("the username", username.len()).map_err(Fail::usage)?;
    if let Some(password) = password {
        crate::field_length::check("the password", password.expose().len()).map_err(Fail::usage)?;
    }
    Ok(())
}

/// The most a password file may hold: an MQTT password is at most 65,535 bytes.
const PASSWORD_FILE_LIMIT: u64 = 64 << 10;

/// The first line of a password file, without its line ending; the error starts with the
/// file's name.
fn read_password_file(path: &Path) -> Result<Secret, String> {
    let name = path.display();
    let text = crate::read_limited::read(path, PASSWORD_FILE_LIMIT)
        .map_err(|e| format!("{name}: {}", crate::io_error_text(&e)))?;
    let line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.is_empty() {
        return Err(format!(
            "{name}: the file is empty (the password is its first line)"
        ));
    }
    let line = String::from_utf8(line.to_vec())
        .map_err(|_| format!("{name}: the password is not valid UTF-8"))?;
    Ok(Secret::new(line))
}
