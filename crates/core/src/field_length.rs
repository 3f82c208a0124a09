//! MQTT gives most fields of a packet a 2-byte length: a username, password, will payload,
//! topic, MQTT 5 string or user property of more than 65,535 bytes cannot be encoded, and one
//! sent anyway is a malformed packet (or, worse, its surplus read as other fields). Each is
//! checked here before encoding, with the field named.

/// The most bytes a field with a 2-byte length holds.
pub const MAX_FIELD: usize = 65_535;

/// Refuse a `field` of `len` bytes that its 2-byte length cannot carry. The message names the
/// field and the sizes, never its value (it may be a password).
pub fn check(field: &str, len: usize) -> Result<(), String> {
    if len > MAX_FIELD {
        return Err(format!(
            "{field} is {len} bytes; MQTT carries at most {MAX_FIELD} in it"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_to_65535_bytes() {
        assert!(check("the username", MAX_FIELD).is_ok());
        assert_eq!(
            check("the username", 70_000).unwrap_err(),
            "the username is 70000 bytes; MQTT carries at most 65535 in it"
        );
    }
}
