//! Certificates made when the tests run (rcgen), and Mosquitto brokers with TLS listeners that
//! use them.
//!
//! One [`Pki`] per test: a CA; a broker certificate for `localhost` and `127.0.0.1`; the same
//! names expired, and a certificate for another name; a client certificate with its key as
//! PKCS#8, SEC1, encrypted PKCS#8 and (RSA) PKCS#1; and a second CA with a client certificate of its own, which
//! our broker does not trust. Every file is PEM in the Pki's own temporary directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rcgen::{
    date_time_ymd, BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose,
};
use tempfile::TempDir;

use super::broker::{require_executable, unused_port, Broker};

/// The broker certificates a [`Pki`] holds, by file stem.
pub const SERVER: &str = "server";
pub const EXPIRED: &str = "expired";
pub const WRONG_NAME: &str = "wrong-name";
/// The only name the wrong-name certificate carries.
pub const OTHER_NAME: &str = "broker.example.net";

pub struct Pki {
    dir: TempDir,
}

impl Pki {
    pub fn new() -> Pki {
        let dir = tempfile::Builder::new()
            .prefix("rpubsub-pki-")
            .tempdir()
            .expect("create pki temp dir");
        let pki = Pki { dir };

        let (ca_params, ca_key) = ca("rpubsub test CA");
        pki.write("ca.crt", &ca_params.self_signed(&ca_key).unwrap().pem());
        let root = Issuer::new(ca_params, ca_key);

        let localhost = ["localhost", "127.0.0.1"];
        pki.leaf(
            SERVER,
            &root,
            &localhost,
            ExtendedKeyUsagePurpose::ServerAuth,
            None,
        );
        pki.leaf(
            EXPIRED,
            &root,
            &localhost,
            ExtendedKeyUsagePurpose::ServerAuth,
            Some((2020, 2021)),
        );
        pki.leaf(
            WRONG_NAME,
            &root,
            &[OTHER_NAME],
            ExtendedKeyUsagePurpose::ServerAuth,
            None,
        );
        pki.leaf(
            "client",
            &root,
            &[],
            ExtendedKeyUsagePurpose::ClientAuth,
            None,
        );

        // The same client key as SEC1 ("EC PRIVATE KEY"), and an RSA client as PKCS#1.
        pki.openssl(&[
            "pkey",
            "-in",
            "client.key",
            "-traditional",
            "-out",
            "client-sec1.key",
        ]);
        pki.openssl(&[
            "pkcs8",
            "-topk8",
            "-in",
            "client.key",
            "-v2",
            "aes256",
            "-passout",
            "pass:secret",
            "-out",
            "client-encrypted.key",
        ]);
        pki.openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            "client-rsa-pkcs8.key",
        ]);
        pki.openssl(&[
            "pkey",
            "-in",
            "client-rsa-pkcs8.key",
            "-traditional",
            "-out",
            "client-rsa.key",
        ]);
        let rsa_pem = fs::read_to_string(pki.path("client-rsa-pkcs8.key")).unwrap();
        let rsa_key = KeyPair::from_pem(&rsa_pem).expect("load the RSA key");
        let rsa_cert = client_params("sensor-rsa")
            .signed_by(&rsa_key, &root)
            .unwrap();
        pki.write("client-rsa.crt", &rsa_cert.pem());

        // A CA the broker does not know, and a client it vouches for.
        let (other_params, other_key) = ca("some other CA");
        pki.write(
            "other-ca.crt",
            &other_params.self_signed(&other_key).unwrap().pem(),
        );
        let other = Issuer::new(other_params, other_key);
        pki.leaf(
            "stranger",
            &other,
            &[],
            ExtendedKeyUsagePurpose::ClientAuth,
            None,
        );
        pki
    }

    /// The full path of one of the files, as a string for command lines.
    pub fn path(&self, name: &str) -> String {
        self.dir.path().join(name).to_str().unwrap().to_string()
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `--cafile CA`.
    pub fn ca_args(&self) -> Vec<String> {
        vec!["--cafile".into(), self.path("ca.crt")]
    }

    /// `--cafile CA --cert client.crt --key client.key`.
    pub fn client_args(&self) -> Vec<String> {
        self.client_args_with("client.crt", "client.key")
    }

    /// `--cafile CA --cert CERT --key KEY`.
    pub fn client_args_with(&self, cert: &str, key: &str) -> Vec<String> {
        let mut args = self.ca_args();
        args.extend([
            "--cert".into(),
            self.path(cert),
            "--key".into(),
            self.path(key),
        ]);
        args
    }

    fn write(&self, name: &str, pem: &str) {
        fs::write(self.dir.path().join(name), pem).expect("write pem file");
    }

    /// `STEM.crt` and `STEM.key` (PKCS#8), signed by `issuer`.
    fn leaf(
        &self,
        stem: &str,
        issuer: &Issuer<'_, KeyPair>,
        names: &[&str],
        usage: ExtendedKeyUsagePurpose,
        years: Option<(i32, i32)>,
    ) {
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, names.first().copied().unwrap_or(stem));
        params.extended_key_usages = vec![usage];
        if let Some((from, to)) = years {
            params.not_before = date_time_ymd(from, 1, 1);
            params.not_after = date_time_ymd(to, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, issuer).unwrap();
        self.write(&format!("{stem}.crt"), &cert.pem());
        self.write(&format!("{stem}.key"), &key.serialize_pem());
    }

    fn openssl(&self, args: &[&str]) {
        let openssl = require_executable("openssl", &["/usr/bin/openssl"]);
        let out = Command::new(openssl)
            .args(args)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The certificates of mosquitto-tls(7)'s recipe, made by its own `openssl` commands (made
/// non-interactive with `-subj`, `-passout` and `-passin`): X.509 version 1 leaves without
/// extensions, so the host is only in the CN. `ca.crt`; `server` (CN localhost), `wrong-name`
/// (CN broker.example.net) and `expired` signed by it, and `stranger` (CN localhost) signed by
/// `other-ca.crt`; the client `client.crt` with `client.key` encrypted by `genrsa -aes256`
/// (passphrase [`Recipe::PASSPHRASE`]), the same key unencrypted in `client-plain.key` and
/// encrypted the traditional way (`Proc-Type: 4,ENCRYPTED`) in `client-traditional.key`
/// (AES-256-CBC) and `client-des3.key` (DES-EDE3-CBC).
pub struct Recipe {
    pki: Pki,
}

impl Recipe {
    pub const PASSPHRASE: &'static str = "pem pass phrase";

    pub fn new() -> Recipe {
        let dir = tempfile::Builder::new()
            .prefix("rpubsub-recipe-")
            .tempdir()
            .expect("create pki temp dir");
        let pki = Pki { dir };
        for ca in ["ca", "other-ca"] {
            pki.openssl(&[
                "req",
                "-new",
                "-x509",
                "-days",
                "365",
                "-extensions",
                "v3_ca",
                "-keyout",
                &format!("{ca}.key"),
                "-out",
                &format!("{ca}.crt"),
                "-subj",
                &format!("/CN=recipe {ca}"),
                "-passout",
                "pass:ca secret",
            ]);
        }
        let pass = format!("pass:{}", Self::PASSPHRASE);
        let leaves = [
            ("server", "localhost", "ca", "365", false),
            ("wrong-name", OTHER_NAME, "ca", "365", false),
            ("expired", "localhost", "ca", "-1", false),
            ("stranger", "localhost", "other-ca", "365", false),
            ("client", "sensor-1", "ca", "365", true),
        ];
        for (stem, cn, ca, days, encrypted) in leaves {
            let key = format!("{stem}.key");
            let mut genrsa = vec!["genrsa", "-out", &key];
            let mut passin = vec![];
            if encrypted {
                genrsa.extend(["-aes256", "-passout", &pass]);
                passin.extend(["-passin", pass.as_str()]);
            }
            genrsa.push("2048");
            pki.openssl(&genrsa);
            let csr = format!("{stem}.csr");
            let subj = format!("/CN={cn}");
            let mut req = vec!["req", "-out", &csr, "-key", &key, "-new", "-subj", &subj];
            req.extend(&passin);
            pki.openssl(&req);
            let crt = format!("{stem}.crt");
            let (ca_crt, ca_key) = (format!("{ca}.crt"), format!("{ca}.key"));
            pki.openssl(&[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                &ca_crt,
                "-CAkey",
                &ca_key,
                "-passin",
                "pass:ca secret",
                "-CAcreateserial",
                "-out",
                &crt,
                "-days",
                days,
            ]);
        }
        pki.openssl(&[
            "pkey",
            "-in",
            "client.key",
            "-passin",
            &pass,
            "-out",
            "client-plain.key",
        ]);
        for (cipher, out) in [
            ("-aes256", "client-traditional.key"),
            ("-des3", "client-des3.key"),
        ] {
            pki.openssl(&[
                "rsa",
                "-in",
                "client-plain.key",
                cipher,
                "-traditional",
                "-passout",
                &pass,
                "-out",
                out,
            ]);
        }
        Recipe { pki }
    }

    pub fn path(&self, name: &str) -> String {
        self.pki.path(name)
    }

    /// The broker presenting `server` (a stem), checking clients against `ca.crt`.
    pub fn broker(&self, server: &str, require_certificate: bool) -> TlsBroker {
        TlsBroker::with_files(
            &self.path("ca.crt"),
            &self.path(&format!("{server}.crt")),
            &self.path(&format!("{server}.key")),
            require_certificate,
        )
    }

    /// `--cafile ca.crt`.
    pub fn ca_args(&self) -> Vec<String> {
        self.pki.ca_args()
    }

    /// `--cafile ca.crt --cert client.crt --key KEY`.
    pub fn client_args(&self, key: &str) -> Vec<String> {
        self.pki.client_args_with("client.crt", key)
    }
}

fn ca(name: &str) -> (CertificateParams, KeyPair) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    (params, KeyPair::generate().unwrap())
}

fn client_params(name: &str) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params
}

/// A Mosquitto broker with its usual plain listener ([`Broker::port`]) and a TLS listener on
/// [`TlsBroker::port`] presenting the certificate `server` (a stem from [`Pki`]). With
/// `require_certificate`, clients must show a certificate signed by the Pki's CA.
pub struct TlsBroker {
    pub broker: Broker,
    pub port: u16,
}

impl TlsBroker {
    pub fn start(pki: &Pki, server: &str, require_certificate: bool) -> TlsBroker {
        Self::with_files(
            &pki.path("ca.crt"),
            &pki.path(&format!("{server}.crt")),
            &pki.path(&format!("{server}.key")),
            require_certificate,
        )
    }

    /// The TLS listener with these PEM files: the CA clients are checked against, the
    /// broker's certificate and its (unencrypted) key.
    pub fn with_files(ca: &str, cert: &str, key: &str, require_certificate: bool) -> TlsBroker {
        let port = unused_port();
        let broker = Broker::with_config(&format!(
            "listener {port} 127.0.0.1\ncafile {ca}\ncertfile {cert}\nkeyfile {key}\nrequire_certificate {require_certificate}\n",
        ));
        TlsBroker { broker, port }
    }

    /// `-h HOST -p TLS_PORT`.
    pub fn at(&self, host: &str) -> Vec<String> {
        vec!["-h".into(), host.into(), "-p".into(), self.port.to_string()]
    }
}

/// A file path inside `dir`, as a string.
pub fn path_in(dir: &Path, name: &str) -> String {
    PathBuf::from(dir).join(name).to_str().unwrap().to_string()
}
