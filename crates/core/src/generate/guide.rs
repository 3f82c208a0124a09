//! The guide, rpubsub(7): the long material (MQTT 5 in depth, TLS, output formats, replay,
//! recipes, exit status, the config file, coming from mosquitto) as a man page, the way git
//! ships gittutorial(7). Both tools render it, identically, with `--generate guide`.
//!
//! The text is `guide.md`, in the little Markdown a README uses, so that it reads well in the
//! repository too; this file turns it into roff. What it understands, one block per blank
//! line: `## SECTION` and `### Subsection` headings, paragraphs (`` `code` `` in bold),
//! `- ` lists, fenced code blocks, tables (each row a term in bold and its meaning), and the
//! line `{exit-status}`, replaced by the table in `exit.rs` so the guide cannot drift from it.

use roff::{bold, roman, Inline, Roff};

use crate::exit::TABLE;

const TEXT: &str = include_str!("guide.md");

/// The guide in roff; `version` goes in the footer, as in the tools' own pages.
pub fn render(version: &str) -> String {
    let mut roff = Roff::new();
    let mut lines = TEXT.lines().peekable();
    // A paragraph right under a heading needs no `.PP` (and NAME must have none).
    let mut under_heading = false;
    while let Some(line) = lines.next() {
        if line.trim().is_empty() || line.starts_with("<!--") {
            continue;
        }
        let heading = under_heading;
        under_heading = false;
        if let Some(title) = line.strip_prefix("## ") {
            roff.control("SH", [title.to_uppercase().as_str()]);
            under_heading = true;
        } else if let Some(title) = line.strip_prefix("### ") {
            roff.control("SS", [title]);
            under_heading = true;
        } else if line.starts_with("```") {
            let code = lines.by_ref().take_while(|l| !l.starts_with("```"));
            code_block(&mut roff, code);
        } else if line.trim() == "{exit-status}" {
            for (exit, meaning) in TABLE {
                roff.control("TP", []);
                roff.text([bold(exit.code().to_string())]);
                roff.text([roman(*meaning)]);
            }
        } else {
            // A paragraph, list or table: this line and the next ones up to a blank line.
            let mut block = vec![line];
            while let Some(next) = lines.next_if(|l| !l.trim().is_empty()) {
                block.push(next);
            }
            if line.starts_with('|') {
                table(&mut roff, &block);
            } else if line.starts_with("- ") {
                list(&mut roff, &block);
            } else {
                if !heading {
                    roff.control("PP", []);
                }
                roff.text(inline(&block.join(" ")));
            }
        }
    }
    // The title line by hand: roff would drop the empty date, shifting the fields after it.
    let text = roff.render();
    let body = text.find(".SH").unwrap_or(0);
    format!(
        "{}.TH RPUBSUB 7 \"\" \"rpubsub {version}\" \"rpubsub Manual\"\n{}",
        &text[..body],
        &text[body..]
    )
}

fn code_block<'a>(roff: &mut Roff, lines: impl Iterator<Item = &'a str>) {
    roff.control("PP", []);
    roff.control("RS", ["4"]);
    roff.control("nf", []);
    for line in lines {
        roff.text([roman(line)]);
    }
    roff.control("fi", []);
    roff.control("RE", []);
}

/// Each `- ` item, with the lines that continue it, as a bullet.
fn list(roff: &mut Roff, block: &[&str]) {
    let mut items: Vec<String> = Vec::new();
    for line in block {
        match (line.strip_prefix("- "), items.last_mut()) {
            (Some(start), _) => items.push(start.to_string()),
            (None, Some(item)) => {
                item.push(' ');
                item.push_str(line.trim());
            }
            (None, None) => items.push(line.trim().to_string()),
        }
    }
    for item in items {
        roff.control("IP", ["\\(bu", "2"]);
        roff.text(inline(&item));
    }
}

/// A table as a list of terms: the first cell in bold, the others its meaning. The header
/// row and the `|---|` row under it are left out.
fn table(roff: &mut Roff, block: &[&str]) {
    for row in block.iter().skip(2) {
        let cells: Vec<&str> = row
            .trim()
            .trim_matches('|')
            .split(" | ")
            .map(str::trim)
            .collect();
        let Some((term, meaning)) = cells.split_first() else {
            continue;
        };
        roff.control("TP", []);
        roff.text([bold(term.replace('`', ""))]);
        roff.text(inline(&meaning.join("; ")));
    }
}

/// Text with its `` `code` `` spans in bold.
fn inline(text: &str) -> Vec<Inline> {
    text.split('`')
        .enumerate()
        .filter(|(_, part)| !part.is_empty())
        .map(
            |(i, part)| {
                if i % 2 == 1 {
                    bold(part)
                } else {
                    roman(part)
                }
            },
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_are_bold() {
        let mut roff = Roff::new();
        roff.text(inline("use `-q 1` here"));
        assert_eq!(roff.to_roff(), "use \\fB\\-q 1\\fR here\n");
    }

    #[test]
    fn every_exit_status_is_in_the_guide() {
        let page = render("0");
        for (exit, meaning) in TABLE {
            let entry = format!(
                ".TP\n\\fB{}\\fR\n{}\n",
                exit.code(),
                meaning.replace('-', "\\-")
            );
            assert!(page.contains(&entry), "no exit status {}", exit.code());
        }
    }
}
