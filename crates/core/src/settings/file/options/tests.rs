//! The options file's lines as mosquitto splits them, and its mistakes as users see them.

use std::path::Path;

use clap::CommandFactory;

use super::*;
use crate::settings::testing::Cli;

fn read(text: &str) -> Result<Vec<(String, OsString, usize)>, String> {
    let mut cmd = Cli::command();
    cmd.build();
    let values = parse(&cmd, text, Path::new("/home/u/.config/mosquitto_sub"));
    let values = values.map_err(|f| f.message)?;
    Ok(values
        .into_iter()
        .map(|v| {
            let line = written_at(&v.origin).1;
            (v.id, v.words.join(std::ffi::OsStr::new(" ")), line)
        })
        .collect())
}

#[test]
fn a_line_is_one_option_and_the_rest_of_the_line() {
    assert_eq!(split("# -h x"), None);
    assert_eq!(split("   "), None);
    assert_eq!(split(""), None);
    assert_eq!(split("-h broker"), Some(("-h", Some("broker"))));
    assert_eq!(split("  -u my user \r"), Some(("-u", Some("my user "))));
    assert_eq!(split("--insecure "), Some(("--insecure", None)));
    assert_eq!(split("-m \"a b\""), Some(("-m", Some("\"a b\""))));
    // Only `#` in the first column starts a comment, as in mosquitto.
    assert_eq!(split(" # x"), Some(("#", Some("x"))));
}

#[test]
fn options_become_words_for_the_parser() {
    let text = "# broker\n-h broker.lan\n\n--port 1884\n-u a b\n-P -secret\n--insecure\n-k=30\n";
    let got = read(text).unwrap();
    let words: Vec<(&str, &str, usize)> = got
        .iter()
        .map(|(id, w, l)| (id.as_str(), w.to_str().unwrap(), *l))
        .collect();
    assert_eq!(
        words,
        [
            ("host", "--host=broker.lan", 2),
            ("port", "--port=1884", 4),
            ("username", "--username=a b", 5),
            ("password", "--password=-secret", 6),
            ("insecure", "--insecure", 7),
            ("keepalive", "--keepalive=30", 8),
        ]
    );
}

#[test]
fn a_flag_of_several_values_takes_them_separated_by_spaces() {
    let got = read("-D connect user-property k  v\n").unwrap();
    assert_eq!(got[0].1, "--property connect user-property k v");
}

#[test]
fn a_later_line_replaces_an_earlier_one() {
    let got = read("-h one\n-h two\n").unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].1, "--host=two");
}

#[test]
fn each_mistake_names_the_file_and_line() {
    let file = "/home/u/.config/mosquitto_sub";
    let cases = [
        ("-h b\n-Z x\n", "2: unknown option '-Z'"),
        ("--nope=secret\n", "1: unknown option '--nope'"),
        ("broker.lan\n", "1: not an option: each line is one option (such as -h or --host) and its value"),
        ("-h\n", "1: -h needs a value: -h VALUE on one line"),
        ("--insecure yes\n", "1: --insecure takes no value, and a line holds one option (the rest of the line is its value)"),
        ("-p 99999\n", "1: -p: "),
        ("--config /x\n", "1: --config belongs on the command line, not in this file"),
        ("--profile lab\n", "1: --profile belongs on the command line, not in this file"),
        ("-L mqtt://b\n--unix /s\n", "2: --unix cannot be used with -L (line 1): keep one"),
    ];
    for (text, expected) in cases {
        let message = read(text).unwrap_err();
        assert!(
            message.starts_with(&format!("{file}:{expected}")),
            "{text:?}: {message}"
        );
    }
}

#[test]
fn a_password_is_never_repeated() {
    for text in [
        "-P\n",
        "--password=\n",
        "-P hunter2 --bad\n",
        "-Phunter2\n-P hunter2\n--pasword=hunter2\n",
    ] {
        if let Err(message) = read(text) {
            assert!(!message.contains("hunter2"), "{text:?}: {message}");
        }
    }
    let got = read("-Phunter2\n").unwrap();
    assert_eq!(got[0].1, "--password=hunter2");
}
