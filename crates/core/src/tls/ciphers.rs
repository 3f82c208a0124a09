//! `--ciphers LIST`: which of rustls' cipher suites are offered. mosquitto hands the list to
//! OpenSSL (`SSL_CTX_set_cipher_list`), so the list is read the way people write it for
//! OpenSSL: entries separated by `:`, `,`, `;` or spaces; suite names in OpenSSL's spelling
//! (`ECDHE-RSA-AES256-GCM-SHA384`, `TLS_AES_128_GCM_SHA256`) or IANA's and rustls'
//! (`TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`, `TLS13_AES_128_GCM_SHA256`); and OpenSSL's
//! selector words, `+` joining words that must all match (`ECDHE+AESGCM`).
//!
//! What a pasted list means here: every suite rustls has is strong, so `DEFAULT`, `ALL` and
//! `HIGH` select all of them; a word for what rustls never offers (`aNULL`, `MD5`, `RC4`,
//! `DHE`, ...) selects nothing; `!X` removes X for good and `-X` until named again, as in
//! OpenSSL; `+X` (reordering) and `@STRENGTH`/`@SECLEVEL=N` change nothing, the order being
//! rustls' own preference. Unlike mosquitto with OpenSSL, whose list leaves TLS 1.3's suites
//! alone, the list here is the whole set offered: a list of TLS 1.2 suites means TLS 1.2.
//! Asking for anything else, a suite rustls does not have (`AES128-SHA`) included, is refused
//! with the names it could have been; taking it out (`!AES128-SHA`, `-FOO`) changes nothing.

use rustls::CipherSuite;

/// One suite rustls offers (with the *ring* provider), in rustls' order of preference.
struct Suite {
    id: CipherSuite,
    /// OpenSSL's name.
    openssl: &'static str,
    /// IANA's name (for TLS 1.3 also OpenSSL's).
    iana: &'static str,
    /// rustls' name, where it differs from IANA's.
    rustls: Option<&'static str>,
    tls13: bool,
    /// The OpenSSL selector words that match it, besides those matching every suite.
    words: &'static [&'static str],
}

const ECDHE: [&str; 4] = ["ECDHE", "EECDH", "kECDHE", "kEECDH"];

const SUITES: [Suite; 9] = [
    Suite {
        id: CipherSuite::TLS13_AES_256_GCM_SHA384,
        openssl: "TLS_AES_256_GCM_SHA384",
        iana: "TLS_AES_256_GCM_SHA384",
        rustls: Some("TLS13_AES_256_GCM_SHA384"),
        tls13: true,
        words: &["AES", "AES256", "AESGCM", "SHA384"],
    },
    Suite {
        id: CipherSuite::TLS13_AES_128_GCM_SHA256,
        openssl: "TLS_AES_128_GCM_SHA256",
        iana: "TLS_AES_128_GCM_SHA256",
        rustls: Some("TLS13_AES_128_GCM_SHA256"),
        tls13: true,
        words: &["AES", "AES128", "AESGCM", "SHA256"],
    },
    Suite {
        id: CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
        openssl: "TLS_CHACHA20_POLY1305_SHA256",
        iana: "TLS_CHACHA20_POLY1305_SHA256",
        rustls: Some("TLS13_CHACHA20_POLY1305_SHA256"),
        tls13: true,
        words: &["CHACHA20", "SHA256"],
    },
    Suite {
        id: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        openssl: "ECDHE-ECDSA-AES256-GCM-SHA384",
        iana: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        rustls: None,
        tls13: false,
        words: &["aECDSA", "ECDSA", "AES", "AES256", "AESGCM", "SHA384"],
    },
    Suite {
        id: CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        openssl: "ECDHE-ECDSA-AES128-GCM-SHA256",
        iana: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        rustls: None,
        tls13: false,
        words: &["aECDSA", "ECDSA", "AES", "AES128", "AESGCM", "SHA256"],
    },
    Suite {
        id: CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        openssl: "ECDHE-ECDSA-CHACHA20-POLY1305",
        iana: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        rustls: None,
        tls13: false,
        words: &["aECDSA", "ECDSA", "CHACHA20", "SHA256"],
    },
    Suite {
        id: CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        openssl: "ECDHE-RSA-AES256-GCM-SHA384",
        iana: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        rustls: None,
        tls13: false,
        words: &["aRSA", "AES", "AES256", "AESGCM", "SHA384"],
    },
    Suite {
        id: CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        openssl: "ECDHE-RSA-AES128-GCM-SHA256",
        iana: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        rustls: None,
        tls13: false,
        words: &["aRSA", "AES", "AES128", "AESGCM", "SHA256"],
    },
    Suite {
        id: CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        openssl: "ECDHE-RSA-CHACHA20-POLY1305",
        iana: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        rustls: None,
        tls13: false,
        words: &["aRSA", "CHACHA20", "SHA256"],
    },
];

/// Words that select every suite rustls has: all of them are strong, AEAD ciphers.
const EVERY: [&str; 4] = ["DEFAULT", "ALL", "HIGH", "AEAD"];

/// Words for what rustls never offers (no key exchange without forward secrecy, no CBC, no
/// SHA-1, no export or NULL ciphers): they select nothing, so that `!aNULL:!MD5` may stay.
const NOTHING: [&str; 37] = [
    "aNULL",
    "eNULL",
    "NULL",
    "COMPLEMENTOFDEFAULT",
    "COMPLEMENTOFALL",
    "EXPORT",
    "EXP",
    "LOW",
    "MEDIUM",
    "SSLv3",
    "TLSv1",
    "TLSv1.0",
    "RC4",
    "RC2",
    "DES",
    "3DES",
    "IDEA",
    "SEED",
    "CAMELLIA",
    "ARIA",
    "MD5",
    "SHA1",
    "SHA",
    "PSK",
    "SRP",
    "DSS",
    "aDSS",
    "DH",
    "DHE",
    "EDH",
    "kDHE",
    "kEDH",
    "ADH",
    "AECDH",
    "kRSA",
    "RSA",
    "AESCCM",
];

/// The suites `--ciphers` allows, in rustls' order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CipherList {
    suites: Vec<CipherSuite>,
}

impl CipherList {
    /// Whether rustls' suite `id` is offered.
    pub fn allows(&self, id: CipherSuite) -> bool {
        self.suites.contains(&id)
    }

    /// Whether any TLS 1.3 (or, with `tls13` false, TLS 1.2) suite is offered.
    pub fn has(&self, tls13: bool) -> bool {
        SUITES.iter().any(|s| s.tls13 == tls13 && self.allows(s.id))
    }
}

/// What one entry does to the set.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    /// `-X`: out until named again.
    Remove,
    /// `!X`: out for good.
    Ban,
    /// `+X`: OpenSSL moves X to the end; the order here is rustls' own.
    Reorder,
}

/// Read `--ciphers LIST` for a connection that allows TLS 1.3 only (`tls13_only`) or 1.2 and
/// 1.3; the message says what is wrong, naming the entry and what is offered.
pub fn parse(list: &str, tls13_only: bool) -> Result<CipherList, String> {
    let mut on = [false; SUITES.len()];
    let mut banned = [false; SUITES.len()];
    let entries = list
        .split([':', ',', ';', ' '])
        .filter(|e| !e.is_empty() && !e.starts_with('@'));
    for entry in entries {
        let (op, body) = match entry.as_bytes()[0] {
            b'!' => (Op::Ban, &entry[1..]),
            b'-' => (Op::Remove, &entry[1..]),
            b'+' => (Op::Reorder, &entry[1..]),
            _ => (Op::Add, entry),
        };
        // Taking out what is not offered changes nothing, as in OpenSSL: a list written for
        // OpenSSL (`HIGH:!aNULL:!AES128-SHA`) stays valid. Only asking for it is refused.
        let matched = match selection(body) {
            Err(_) if op != Op::Add => continue,
            result => result?,
        };
        for (i, hit) in matched.into_iter().enumerate() {
            if !hit {
                continue;
            }
            match op {
                Op::Add => on[i] = !banned[i],
                Op::Remove => on[i] = false,
                Op::Ban => (on[i], banned[i]) = (false, true),
                Op::Reorder => {}
            }
        }
    }
    let selected = CipherList {
        suites: SUITES
            .iter()
            .zip(on)
            .filter(|(_, on)| *on)
            .map(|(s, _)| s.id)
            .collect(),
    };
    if selected.suites.is_empty() {
        return Err(format!(
            "--ciphers {}: selects none of the suites rustls offers ({})",
            crate::escape::line(list),
            offered()
        ));
    }
    if tls13_only && !selected.has(true) {
        return Err(format!(
            "--ciphers {}: no TLS 1.3 suite, and --tls-version tlsv1.3 allows only TLS 1.3 (TLS 1.3 suites: {})",
            crate::escape::line(list),
            names(true)
        ));
    }
    Ok(selected)
}

/// Which suites `body` (one entry without its `!`/`-`/`+`: a name, a word, or words joined
/// by `+`) selects.
fn selection(body: &str) -> Result<[bool; SUITES.len()], String> {
    let mut hits = [true; SUITES.len()];
    for word in body.split('+') {
        let one = matches(word).ok_or_else(|| {
            format!(
                "--ciphers: '{}' is not a cipher suite rustls offers nor an OpenSSL selector word this tool reads (suites: {}; words: {})",
                crate::escape::line(word),
                offered(),
                words()
            )
        })?;
        for (hit, this) in hits.iter_mut().zip(one) {
            *hit &= this;
        }
    }
    Ok(hits)
}

/// The suites one word or name selects, or `None` when it is neither.
fn matches(word: &str) -> Option<[bool; SUITES.len()]> {
    let is = |name: &str| name.eq_ignore_ascii_case(word);
    let by_name = SUITES.map(|s| is(s.openssl) || is(s.iana) || s.rustls.is_some_and(is));
    if by_name.contains(&true) {
        return Some(by_name);
    }
    if EVERY.iter().any(|w| is(w)) {
        return Some([true; SUITES.len()]);
    }
    if NOTHING.iter().any(|w| is(w)) {
        return Some([false; SUITES.len()]);
    }
    let by_word = SUITES.map(|s| {
        let version = if s.tls13 { "TLSv1.3" } else { "TLSv1.2" };
        let ecdhe = !s.tls13 && ECDHE.iter().any(|w| is(w));
        is(version) || ecdhe || s.words.iter().any(|w| is(w))
    });
    let known = ECDHE
        .iter()
        .chain(&["TLSv1.2", "TLSv1.3"])
        .chain(SUITES.iter().flat_map(|s| s.words))
        .any(|w| is(w));
    known.then_some(by_word)
}

/// Every suite's OpenSSL name, TLS 1.3 first, as rustls prefers them.
fn offered() -> String {
    format!("{}, {}", names(true), names(false))
}

fn names(tls13: bool) -> String {
    let names: Vec<&str> = SUITES
        .iter()
        .filter(|s| s.tls13 == tls13)
        .map(|s| s.openssl)
        .collect();
    names.join(", ")
}

/// The selector words read, for the message about one that is not.
fn words() -> String {
    let mut all: Vec<&str> = EVERY.to_vec();
    all.extend(ECDHE);
    all.extend(["TLSv1.2", "TLSv1.3"]);
    for s in &SUITES {
        for w in s.words {
            if !all.contains(w) {
                all.push(w);
            }
        }
    }
    all.push("and words for what rustls lacks, such as aNULL or MD5, which select nothing");
    all.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn openssl_names(list: &str) -> Vec<&'static str> {
        let selected = parse(list, false).unwrap();
        SUITES
            .iter()
            .filter(|s| selected.allows(s.id))
            .map(|s| s.openssl)
            .collect()
    }

    #[test]
    fn names_in_every_spelling() {
        for list in [
            "ECDHE-RSA-AES256-GCM-SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "ecdhe-rsa-aes256-gcm-sha384",
        ] {
            assert_eq!(
                openssl_names(list),
                ["ECDHE-RSA-AES256-GCM-SHA384"],
                "{list}"
            );
        }
        assert_eq!(
            openssl_names(
                "TLS13_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384 ECDHE-ECDSA-CHACHA20-POLY1305"
            ),
            [
                "TLS_AES_256_GCM_SHA384",
                "TLS_AES_128_GCM_SHA256",
                "ECDHE-ECDSA-CHACHA20-POLY1305"
            ]
        );
    }

    #[test]
    fn openssl_words_as_people_paste_them() {
        assert_eq!(openssl_names("HIGH:!aNULL:!MD5").len(), SUITES.len());
        assert_eq!(openssl_names("DEFAULT:@SECLEVEL=2").len(), SUITES.len());
        assert_eq!(
            openssl_names("ECDHE+AESGCM:!aRSA"),
            [
                "ECDHE-ECDSA-AES256-GCM-SHA384",
                "ECDHE-ECDSA-AES128-GCM-SHA256"
            ]
        );
        // `-` removes until named again, `!` for good.
        assert_eq!(
            openssl_names("-CHACHA20:ECDHE-RSA-CHACHA20-POLY1305"),
            ["ECDHE-RSA-CHACHA20-POLY1305"]
        );
        assert!(parse("!CHACHA20:ECDHE-RSA-CHACHA20-POLY1305", false).is_err());
        // What is not offered may be taken out; it changes nothing.
        assert_eq!(
            openssl_names("HIGH:!aNULL:!AES128-SHA:-ECDHE-RSA-AES128-SHA256:+FOO"),
            openssl_names("HIGH")
        );
        assert!(parse("!AES128-SHA", false).is_err(), "nothing is left");
        assert_eq!(openssl_names("TLSv1.3:+AES128").len(), 3);
    }

    #[test]
    fn what_is_not_offered_is_named() {
        for (list, entry) in [
            ("AES128-SHA", "AES128-SHA"),
            ("HIGH:ECDHE-RSA-AES128-SHA256", "ECDHE-RSA-AES128-SHA256"),
            ("ECDHE+NOPE", "NOPE"),
        ] {
            let message = parse(list, false).unwrap_err();
            assert!(
                message.starts_with(&format!(
                    "--ciphers: '{entry}' is not a cipher suite rustls offers"
                )),
                "{message}"
            );
            assert!(message.contains("ECDHE-RSA-AES256-GCM-SHA384"), "{message}");
        }
        // Found by fuzzing: what the list holds is escaped, the message stays one line.
        for list in ["\n", "AES\tRC4", ""] {
            let message = parse(list, false).unwrap_err();
            assert!(!message.contains(['\n', '\t']), "{message}");
        }
        let message = parse("MD5:RC4", false).unwrap_err();
        assert!(
            message.starts_with("--ciphers MD5:RC4: selects none"),
            "{message}"
        );
        let message = parse("ECDHE-RSA-AES256-GCM-SHA384", true).unwrap_err();
        assert!(
            message.contains("--tls-version tlsv1.3 allows only TLS 1.3"),
            "{message}"
        );
        assert!(parse("TLS_AES_128_GCM_SHA256", true).is_ok());
    }

    #[test]
    fn the_table_is_rustls_own() {
        let provider = rustls::crypto::ring::default_provider();
        let theirs: Vec<CipherSuite> = provider.cipher_suites.iter().map(|s| s.suite()).collect();
        let ours: Vec<CipherSuite> = SUITES.iter().map(|s| s.id).collect();
        assert_eq!(ours, theirs);
        for s in &SUITES {
            assert_eq!(
                s.id.as_str(),
                Some(s.rustls.unwrap_or(s.iana)),
                "{}",
                s.openssl
            );
        }
    }
}
