//! mosquitto's options files (`settings/file/options.rs`): any text is options for the
//! connection flags or one error line naming the file and the line, never a panic.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use clap::{Args, Command};
use libfuzzer_sys::fuzz_target;
use rpubsub_core::settings::file::options;
use rpubsub_core::settings::ConnectArgs;

/// The connection flags both tools share, built once.
fn command() -> &'static Command {
    static CMD: OnceLock<Command> = OnceLock::new();
    CMD.get_or_init(|| {
        let mut cmd = ConnectArgs::augment_args(Command::new("t").disable_help_flag(true));
        cmd.build();
        cmd
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match options::parse(command(), text, Path::new("/o")) {
        // Each option becomes the flag's words: at least the flag itself.
        Ok(values) => assert!(values.iter().all(|v| !v.words.is_empty())),
        Err(fail) => {
            assert!(fail.message.starts_with("/o:"), "{}", fail.message);
            assert!(!fail.message.contains('\n'));
        }
    }
});
