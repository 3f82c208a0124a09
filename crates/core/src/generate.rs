//! Shell completions and man pages, made from each tool's clap definition by the hidden
//! `--generate KIND` flag, which lives here with `--help` and `--version`; and the guide,
//! rpubsub(7), which both tools render alike (`guide/`).
//!
//! The results are committed (`completions/`, `man/`) so that packagers and users need no
//! Rust; a test regenerates them and fails when a committed file is stale. The man page is
//! clap_mangen's option list inside sections written here: synopsis, description,
//! environment, files, exit status (from `exit.rs`), examples (each tool's [`Manual`]) and
//! see also.

use std::io::{self, Write};

use clap::{ArgAction, Args, Command, ValueEnum};
use clap_complete::{Generator, Shell};
use roff::{bold, italic, roman, Inline, Roff};

use crate::exit::TABLE;
use crate::settings::file::keys::file_keys;
use crate::settings::file::CONFIG_PATH;
use crate::settings::flags::config::{CONFIG_ENV, PROFILE_ENV};

mod guide;

/// `--help` and `--version`, long only, since `-h` and `-V` belong to mosquitto's meanings;
/// and the hidden `--generate KIND` that writes the committed completions and man pages.
#[derive(Debug, Args)]
#[group(skip)]
pub struct HelpArgs {
    /// Print help
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
    /// Print version
    #[arg(long, action = ArgAction::Version)]
    version: Option<bool>,
    /// Print a shell completion script or the man page (roff) on stdout
    #[arg(long, value_name = "KIND", hide = true)]
    pub generate: Option<GenerateKind>,
}

/// What `--generate` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenerateKind {
    Bash,
    Zsh,
    Fish,
    Powershell,
    Elvish,
    /// The man page, in roff.
    Man,
    /// The guide shared by both tools, rpubsub(7), in roff.
    Guide,
}

impl GenerateKind {
    /// Every kind, in the order the committed files are checked.
    pub const ALL: [GenerateKind; 7] = [
        GenerateKind::Bash,
        GenerateKind::Zsh,
        GenerateKind::Fish,
        GenerateKind::Powershell,
        GenerateKind::Elvish,
        GenerateKind::Man,
        GenerateKind::Guide,
    ];

    fn shell(self) -> Option<Shell> {
        match self {
            GenerateKind::Bash => Some(Shell::Bash),
            GenerateKind::Zsh => Some(Shell::Zsh),
            GenerateKind::Fish => Some(Shell::Fish),
            GenerateKind::Powershell => Some(Shell::PowerShell),
            GenerateKind::Elvish => Some(Shell::Elvish),
            GenerateKind::Man | GenerateKind::Guide => None,
        }
    }

    /// Where the committed file lives in the repository: `completions/rpub.bash`,
    /// `completions/_rpub` (zsh), ..., `man/rpub.1`; the guide is `man/rpubsub.7` for both.
    pub fn path(self, tool: &str) -> String {
        match self.shell() {
            Some(shell) => format!("completions/{}", shell.file_name(tool)),
            None if self == GenerateKind::Guide => "man/rpubsub.7".to_string(),
            None => format!("man/{tool}.1"),
        }
    }

    /// The name `--generate` takes.
    pub fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

/// What a tool's man page says beyond its flags.
pub struct Manual {
    /// SYNOPSIS lines: the tool and its flags in bold, UPPERCASE words as placeholders.
    pub synopsis: &'static [&'static str],
    /// DESCRIPTION paragraphs.
    pub description: &'static [&'static str],
    /// Sections after the options for what a flag's line cannot hold (format fields, the
    /// JSON line schema).
    pub sections: &'static [Section],
    /// ENVIRONMENT entries besides the variables flags read: name and meaning.
    pub environment: &'static [(&'static str, &'static str)],
    /// EXAMPLES, each a sentence and the commands it describes.
    pub examples: &'static [Example],
    /// SEE ALSO entries besides the mosquitto pages every tool lists, e.g. `rsub(1)`.
    pub see_also: &'static [&'static str],
    /// The tool, for the mosquitto options file it reads (FILES).
    pub tool: crate::tool::Tool,
}

/// A section of its own: paragraphs, then a list of terms and their meanings, then more
/// paragraphs.
pub struct Section {
    pub title: &'static str,
    pub before: &'static [&'static str],
    pub entries: &'static [(&'static str, &'static str)],
    pub after: &'static [&'static str],
}

/// An example: what it shows, then the commands (one per line; `#` comments allowed).
pub struct Example {
    pub title: &'static str,
    pub commands: &'static str,
}

/// What `kind` asks for, for the tool `cmd` describes. Made in memory (clap_complete panics
/// on a failed write, such as a closed pipe); the caller writes it out.
pub fn render(kind: GenerateKind, cmd: Command, manual: &Manual) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    match kind.shell() {
        Some(shell) => {
            let name = cmd.get_name().to_string();
            let mut cmd = without_hidden(&cmd);
            clap_complete::generate(shell, &mut cmd, name, &mut out);
        }
        None if kind == GenerateKind::Guide => {
            let version = cmd.get_version().unwrap_or_default().to_string();
            out = guide::render(&version).into_bytes();
        }
        None => man_page(with_aliases_in_help(cmd), manual, &mut out)?,
    }
    Ok(out)
}

/// The command with its hidden flags (`--generate`) left out: clap_complete would offer
/// them. Help and version stay long-only, as in the tools.
fn without_hidden(cmd: &Command) -> Command {
    let mut clean = Command::new(cmd.get_name().to_string())
        .disable_help_flag(true)
        .disable_version_flag(true);
    if let Some(version) = cmd.get_version() {
        clean = clean.version(version.to_string());
    }
    if let Some(about) = cmd.get_about() {
        clean = clean.about(about.clone());
    }
    clean.args(cmd.get_arguments().filter(|a| !a.is_hide_set()).cloned())
}

/// clap_mangen leaves out visible aliases (`--count` for `--repeat`): name them in the help.
fn with_aliases_in_help(cmd: Command) -> Command {
    cmd.mut_args(|arg| {
        let aliases: Vec<String> = arg
            .get_visible_aliases()
            .unwrap_or_default()
            .into_iter()
            .map(|a| format!("--{a}"))
            .chain(
                arg.get_visible_short_aliases()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| format!("-{c}")),
            )
            .collect();
        if aliases.is_empty() {
            return arg;
        }
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        arg.help(format!("{help} [alias: {}]", aliases.join(", ")))
    })
}

/// The man page: clap_mangen's title, name and option sections between our own.
fn man_page(cmd: Command, manual: &Manual, out: &mut dyn Write) -> io::Result<()> {
    let name = cmd.get_name().to_string();
    let version = cmd.get_version().unwrap_or_default().to_string();
    let man = clap_mangen::Man::new(cmd.clone())
        .title(name.to_uppercase())
        .section("1")
        .source(format!("{name} {version}"))
        .manual("User Commands");

    // Each clap_mangen section comes with the same roff preamble; keep the first only.
    let mut title = Vec::new();
    man.render_title(&mut title)?;
    let title = String::from_utf8_lossy(&title).into_owned();
    let preamble = &title[..title.find(".TH").unwrap_or(0)];
    let section = |render: &dyn Fn(&mut Vec<u8>) -> io::Result<()>| -> io::Result<String> {
        let mut buf = Vec::new();
        render(&mut buf)?;
        let text = String::from_utf8_lossy(&buf).into_owned();
        Ok(text
            .strip_prefix(preamble)
            .map(str::to_string)
            .unwrap_or(text))
    };
    let strip = |roff: &Roff| -> String {
        let text = roff.render();
        text.strip_prefix(preamble)
            .map(str::to_string)
            .unwrap_or(text)
    };

    out.write_all(title.as_bytes())?;
    out.write_all(section(&|w| man.render_name_section(w))?.as_bytes())?;

    let mut head = Roff::new();
    head.control("SH", ["SYNOPSIS"]);
    for (i, line) in manual.synopsis.iter().enumerate() {
        if i > 0 {
            head.control("br", []);
        }
        head.text(synopsis_line(line));
    }
    head.control("SH", ["DESCRIPTION"]);
    paragraphs(&mut head, manual.description);
    out.write_all(strip(&head).as_bytes())?;

    out.write_all(section(&|w| man.render_options_section(w))?.as_bytes())?;

    let mut tail = Roff::new();
    for section in manual.sections {
        tail.control("SH", [section.title]);
        paragraphs(&mut tail, section.before);
        for (term, meaning) in section.entries {
            tail.control("TP", []);
            tail.text([bold(*term)]);
            tail.text(flags_in_bold(meaning));
        }
        if !section.after.is_empty() {
            tail.control("PP", []);
            paragraphs(&mut tail, section.after);
        }
    }
    environment(&mut tail, &cmd, manual.environment);
    files(&mut tail, &cmd, manual.tool);
    exit_status(&mut tail);
    examples(&mut tail, manual.examples);
    see_also(&mut tail, manual.see_also);
    out.write_all(strip(&tail).as_bytes())
}

/// Paragraphs of plain text; `--flag` words in bold.
fn paragraphs(roff: &mut Roff, paragraphs: &[&str]) {
    for (i, text) in paragraphs.iter().enumerate() {
        if i > 0 {
            roff.control("PP", []);
        }
        roff.text(flags_in_bold(text));
    }
}

/// Text with each word that is a flag (`-t`, `--count`) in bold.
fn flags_in_bold(text: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut plain = String::new();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            plain.push(' ');
        }
        let open = word.len() - word.trim_start_matches('(').len();
        let trimmed = word[open..].trim_end_matches([',', '.', ';', ':', ')']);
        let is_flag = trimmed.starts_with('-')
            && trimmed.len() > 1
            && trimmed[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '-');
        if is_flag {
            plain.push_str(&word[..open]);
            out.push(roman(std::mem::take(&mut plain)));
            out.push(bold(trimmed));
            plain.push_str(&word[open + trimmed.len()..]);
        } else {
            plain.push_str(word);
        }
    }
    out.push(roman(plain));
    out
}

/// A synopsis line: the tool and flags bold, UPPERCASE placeholders italic, the rest plain.
fn synopsis_line(line: &str) -> Vec<Inline> {
    let mut out = Vec::new();
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(roman(" "));
        }
        let start = word
            .find(|c: char| !"[{(|".contains(c))
            .unwrap_or(word.len());
        let end = word
            .rfind(|c: char| !"]})|.".contains(c))
            .map_or(start, |e| e + 1)
            .max(start);
        let (open, core, close) = (&word[..start], &word[start..end], &word[end..]);
        out.push(roman(open));
        if i == 0 || core.starts_with('-') {
            out.push(bold(core));
        } else if core.chars().any(|c| c.is_ascii_uppercase()) {
            out.push(italic(core));
        } else {
            out.push(roman(core));
        }
        out.push(roman(close));
    }
    out
}

/// ENVIRONMENT: every variable a flag reads, then the config file's.
fn environment(roff: &mut Roff, cmd: &Command, own: &[(&str, &str)]) {
    roff.control("SH", ["ENVIRONMENT"]);
    roff.text([roman(
        "A flag on the command line wins over its variable; a variable wins over the config file and mosquitto's options file.",
    )]);
    let mut seen = Vec::new();
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let Some(var) = arg.get_env() else { continue };
        let var = var.to_string_lossy().into_owned();
        if seen.contains(&var) {
            continue;
        }
        seen.push(var.clone());
        let flag = match (arg.get_short(), arg.get_long()) {
            (Some(s), Some(l)) => format!("-{s}, --{l}"),
            (None, Some(l)) => format!("--{l}"),
            (Some(s), None) => format!("-{s}"),
            (None, None) => continue,
        };
        roff.control("TP", []);
        roff.text([bold(var.as_str())]);
        let mut text = vec![roman("As "), bold(flag)];
        if var == CONFIG_ENV || var == PROFILE_ENV {
            text.push(roman("."));
        } else if arg.is_hide_env_values_set() {
            text.push(roman(
                ", without showing in the process list. Prefer it, or --password-file, to -P.",
            ));
        } else {
            text.push(roman("."));
        }
        roff.text(text);
    }
    roff.control("TP", []);
    roff.text([bold("XDG_CONFIG_HOME")]);
    roff.text([
        roman("Where the config file and mosquitto's options file are looked for (see "),
        bold("FILES"),
        roman("); "),
        italic("~/.config"),
        roman(" when unset."),
    ]);
    for (var, meaning) in own {
        roff.control("TP", []);
        roff.text([bold(*var)]);
        roff.text(flags_in_bold(meaning));
    }
}

/// FILES: the config file, its keys (the flags of `cmd` it may give), and a small example;
/// then mosquitto's options file.
fn files(roff: &mut Roff, cmd: &Command, tool: crate::tool::Tool) {
    let mut built = cmd.clone();
    built.build();
    let keys: Vec<&str> = file_keys(&built)
        .into_iter()
        .filter_map(|arg| arg.get_long())
        .collect();
    roff.control("SH", ["FILES"]);
    roff.control("TP", []);
    roff.text([italic(format!("$XDG_CONFIG_HOME/{CONFIG_PATH}"))]);
    roff.text(flags_in_bold(&format!(
        "Settings shared by rpub and rsub (or the file --config FILE or RPUBSUB_CONFIG names). \
         A [default] section applies always; a [profile.NAME] section, selected with --profile \
         NAME or RPUBSUB_PROFILE, applies over it. Precedence, highest first: flags, \
         environment variables, the profile, the [default] section, mosquitto's options file \
         (below), built-in defaults. \
         The keys are the long flag names: {}. Relative paths are relative to the file's \
         directory; ~/ is the home directory. An unknown key or a bad value is an error \
         naming the file, line and key. --print-config shows what is in effect and where each \
         value came from.",
        keys.join(", ")
    )));
    roff.control("PP", []);
    roff.control("RS", ["4"]);
    roff.control("nf", []);
    for line in [
        "[default]",
        "host = \"broker.lan\"",
        "",
        "[profile.lab]",
        "host = \"192.168.137.150\"",
        "username = \"Kai\"",
        "password-file = \"~/.config/rpubsub/kai.pass\"",
        "",
        "[profile.secure]",
        "host = \"broker.lan\"",
        "cafile = \"ca.crt\"",
        "protocol-version = \"mqttv5\"",
    ] {
        roff.text([roman(line)]);
    }
    roff.control("fi", []);
    roff.control("RE", []);
    options_file(roff, tool);
}

/// The FILES entry of mosquitto's options file.
fn options_file(roff: &mut Roff, tool: crate::tool::Tool) {
    let name = tool.mosquitto_name();
    let also = match tool {
        crate::tool::Tool::Rpub => {
            " rpub reads it in every mode, --wait-response too (its lines are rpub's flags; mosquitto_rr's own file holds mosquitto_rr's)."
        }
        crate::tool::Tool::Rsub => "",
    };
    roff.control("TP", []);
    roff.text([italic(format!("$XDG_CONFIG_HOME/{name}"))]);
    roff.text(flags_in_bold(&format!(
        "{name}'s default arguments, read as {name} 2.0 reads them ({tool} does not create it): \
         one option per line, up to the first space, and the rest of the line as its value, \
         spaces and quotes included; a line starting with # is a comment. Any flag of {tool} \
         may be given. Flags, environment variables and the config file win over it; a flag \
         that adds up (-t of rsub, -D) takes the file's values and the command line's, as \
         {name} does; -D takes its three values on its line, separated by spaces. A line \
         {tool} cannot take is an error naming the file and the line. \
         --print-config names the file and line of each value from it; \
         --no-mosquitto-options or RPUBSUB_NO_MOSQUITTO_OPTIONS=1 leaves it unread.{also}"
    )));
}

/// EXIT STATUS: the table from `exit.rs`.
fn exit_status(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    for (exit, meaning) in TABLE {
        roff.control("TP", []);
        roff.text([bold(exit.code().to_string())]);
        roff.text([roman(*meaning)]);
    }
}

fn examples(roff: &mut Roff, examples: &[Example]) {
    roff.control("SH", ["EXAMPLES"]);
    for example in examples {
        roff.control("PP", []);
        roff.text(flags_in_bold(example.title));
        roff.control("PP", []);
        roff.control("RS", ["4"]);
        roff.control("nf", []);
        for line in example.commands.lines() {
            roff.text([roman(line)]);
        }
        roff.control("fi", []);
        roff.control("RE", []);
    }
}

fn see_also(roff: &mut Roff, own: &[&str]) {
    roff.control("SH", ["SEE ALSO"]);
    let pages: Vec<&str> = own
        .iter()
        .copied()
        .chain([
            "rpubsub(7)",
            "mosquitto_pub(1)",
            "mosquitto_sub(1)",
            "mosquitto_passwd(1)",
            "mosquitto(8)",
            "mosquitto.conf(5)",
        ])
        .collect();
    let mut line = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if i > 0 {
            line.push(roman(", "));
        }
        let (name, section) = page.split_once('(').unwrap_or((page, ""));
        line.push(bold(name));
        line.push(roman(format!("({section}")));
    }
    roff.text(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(GenerateKind::Bash.path("rpub"), "completions/rpub.bash");
        assert_eq!(GenerateKind::Zsh.path("rpub"), "completions/_rpub");
        assert_eq!(GenerateKind::Fish.path("rsub"), "completions/rsub.fish");
        assert_eq!(GenerateKind::Man.path("rsub"), "man/rsub.1");
        assert_eq!(GenerateKind::Guide.path("rpub"), "man/rpubsub.7");
        assert_eq!(GenerateKind::Guide.path("rsub"), "man/rpubsub.7");
    }

    #[test]
    fn synopsis_marks_flags_and_placeholders() {
        let r: Roff = [synopsis_line("rpub [OPTIONS] -t TOPIC {-m MESSAGE | -n}")]
            .into_iter()
            .map(|l| {
                let mut r = Roff::new();
                r.text(l);
                r
            })
            .collect();
        let text = r.to_roff();
        assert!(text.contains(r"\fBrpub\fR"), "{text}");
        assert!(text.contains(r"[\fIOPTIONS\fR]"), "{text}");
        assert!(text.contains(r"\fB\-t\fR \fITOPIC\fR"), "{text}");
        assert!(text.contains(r"{\fB\-m\fR"), "{text}");
    }
}
